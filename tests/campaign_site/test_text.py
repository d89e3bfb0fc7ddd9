from campaign_site.core.text import render_organiser_text


def test_raw_html_is_shown_as_text_never_run():
    html = render_organiser_text('<script>alert(1)</script><img src=x onerror="alert(2)">')

    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_paragraphs_emphasis_lists_and_links_survive():
    html = render_organiser_text(
        "Meet at the **library**.\n\n- leaflets\n- water\n\n[Map](https://example.org/map)"
    )

    assert "<p>Meet at the <strong>library</strong>.</p>" in html
    assert "<li>leaflets</li>" in html
    assert '<a href="https://example.org/map" rel="noopener noreferrer">Map</a>' in html


def test_only_web_and_mail_links_survive():
    html = render_organiser_text("[x](javascript:alert(1)) and [y](data:text/html,hi)")

    assert "javascript:" not in html and "data:" not in html


def test_bare_addresses_become_links():
    html = render_organiser_text("Join at https://meet.example.org/abc.")

    assert '<a href="https://meet.example.org/abc" rel="noopener noreferrer">' in html


def test_the_plain_text_version_drops_markdown_marks_and_spells_out_links():
    from campaign_site.core.text import render_organiser_plain

    text = (
        "## Costs\n\nThe court has **decided**: read it [here](https://example.org/costs)."
        "\n\n*Thank you*, snake_case_name stays."
    )

    assert render_organiser_plain(text) == (
        "Costs\n\nThe court has decided: read it here (https://example.org/costs).\n\n"
        "Thank you, snake_case_name stays."
    )
