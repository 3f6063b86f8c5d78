from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from wagtail.models import Page

from articles.paging import page_of

SEARCH_RESULTS_PER_PAGE = 10
SEARCH_QUERY_MAX = 200


@require_safe
def search(request):
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_MAX].replace("\x00", "")
    results = None
    if query:
        found = Page.objects.live().public().specific().search(query)
        results = page_of(request, found, SEARCH_RESULTS_PER_PAGE)
    return render(request, "articles/search.html", {"query": query, "results": results})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
