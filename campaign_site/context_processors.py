from campaign_site.selectors import campaign_settings_get


def campaign(request):
    return {"campaign": campaign_settings_get()}
