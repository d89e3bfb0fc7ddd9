"""The campaign a fresh database starts with, written from the campaign's own page.

Organisers change all of it in admin; the data migration and the demo command read it.
"""

CAMPAIGN = {
    "candidate_name": "Chris Williamson",
    "constituency": "Derby North",
    "party_description": "Independent",
    "tagline": "Twice elected for Derby North. Now standing as an independent socialist.",
    "slogan": "Capitulation is complicity. Solidarity is sacred.",
    "why_standing": (
        "Chris won in the High Court: the judge found that his re-suspension by the Party "
        "followed media pressure and was unlawful. Your support made that possible. The "
        "Party's National Executive Committee still chose to stop him standing as its "
        "candidate in Derby North, and picked someone from outside the constituency instead."
        "\n\n"
        "Chris has won this seat twice, in one of the most marginal constituencies in the "
        "country, and has twice led Derby City Council. He has the experience, the local "
        "record and the supporters to win here again, and to stand with a socialist "
        "government in Parliament rather than against it."
        "\n\n"
        "Even with a Labour majority there will be no socialist majority. MPs who will vote "
        "for real change are needed, and many of the most committed candidates have been "
        "kept off shortlists. That is why Chris is standing as an independent."
        "\n\n"
        "This election will be close, with four or five candidates splitting the vote. "
        "Every phone call, every door and every pound counts."
    ),
    "phonebank_copy": (
        "Call voters in Derby North from wherever you are. If you can't travel, or you are "
        "worried about your party membership, this is how to help. Never done it before? "
        "We'll show you how and stay with you throughout."
    ),
    "canvass_copy": (
        "Knock on doors with the team in Derby North. We post new sessions every week, "
        "with times and meeting points, and we'll email you when they're up. First time? "
        "We'll pair you with someone who has done it before."
    ),
    "donate_copy": (
        "The campaign is funded entirely by its supporters. Whatever you can give, once or "
        "every month, goes straight into leaflets, phone lines and getting the vote out."
    ),
    "target_pence": 1_300_000,
    "promoter_name": "the election agent for Chris Williamson",
    "promoter_address": "Derby North campaign office, Derby",
    "on_behalf_of": "Chris Williamson (Independent), Derby North",
    "contact_email": "campaign@localhost",
    "twitter_url": "",
    "facebook_url": "",
    "instagram_url": "",
}
