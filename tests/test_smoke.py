def test_settings_load(settings):
    assert settings.ROOT_URLCONF == "config.urls"
