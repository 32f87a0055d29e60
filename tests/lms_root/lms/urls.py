"""The test LMS's URLs: the admin only (the router's pages live there)."""
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
