from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User
from tenants.admin import national_admin_site

admin.site.register(User, UserAdmin)
national_admin_site.register(User, UserAdmin)
