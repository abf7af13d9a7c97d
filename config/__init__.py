"""Configuration: the TOML loader (``config.settings``) and the default config files beside it."""
