from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator


def page_of(request, items, per_page: int):
    """The requested page of `items`; a bad or out-of-range number never errors."""
    paginator = Paginator(items, per_page)
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)
