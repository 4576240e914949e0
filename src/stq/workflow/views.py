"""The home page: the user's work across every case type ("my work")."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .work import my_work


@login_required
def home(request):
    return render(request, "core/home.html", {"work": my_work(request.user)})
