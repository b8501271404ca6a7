from django.contrib.auth import views as auth_views
from django.urls import path

from ltc.web import views, views_calendar, views_delegation, views_inbox, views_lists, views_notifications

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("inbox/", views_inbox.inbox_page, name="inbox"),
    path("inbox/count/", views_inbox.inbox_badge, name="inbox_badge"),
    path("inbox/summary/", views_inbox.inbox_summary, name="inbox_summary"),
    path("inbox/<slug:key>/decide/", views_inbox.inbox_decide, name="inbox_decide"),
    path("notifications/", views_notifications.notifications_page, name="notifications"),
    path("notifications/bell/", views_notifications.notifications_bell, name="notifications_bell"),
    path("notifications/read-all/", views_notifications.notifications_read_all, name="notifications_read_all"),
    path("notifications/preferences/", views_notifications.notification_preferences, name="notification_preferences"),
    path("notifications/<int:pk>/", views_notifications.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", views_notifications.notification_read, name="notification_read"),
    path("language/", views.set_language, name="set_language"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/delegations/", views_delegation.delegation_page, name="delegations"),
    path("profile/delegations/<int:pk>/cancel/", views_delegation.delegation_cancel, name="delegation_cancel"),
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("calendar/activities/<int:pk>/move/", views_calendar.calendar_reschedule, name="calendar_reschedule"),
    path("calendar/feed/", views_calendar.calendar_feed, name="calendar_feed"),
    path("calendar/feed/<str:token>.ics", views_calendar.calendar_ics_feed, name="calendar_ics"),
    path("lists/<slug:key>/columns/", views_lists.list_columns, name="list_columns"),
    path("lists/<slug:key>/views/", views_lists.saved_view_save, name="saved_view_save"),
    path("lists/views/<int:pk>/", views_lists.saved_view_open, name="saved_view_open"),
    path("lists/views/<int:pk>/delete/", views_lists.saved_view_delete, name="saved_view_delete"),
]
