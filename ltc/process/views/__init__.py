"""The process centre's pages: the map (map.py), and the configuration of each stage's rules
through that stage's services (pipelines.py, rules.py, transfer.py). Each module declares its own
`urlpatterns`, joined in ltc/process/urls.py."""
