from campaign_site.core.selectors import campaign_settings_get


def campaign(request):
    return {"campaign": campaign_settings_get()}
