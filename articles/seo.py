"""Everything a search engine or a social network reads in a page's head."""

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes
from django.utils.safestring import SafeString, mark_safe

from articles.models import ArticlePage, SeoPage, SiteSettings
from articles.text import truncate_words

HEADLINE_MAX = 110
SOCIAL_IMAGE_SPEC = "fill-1200x630"


@dataclass
class SocialImage:
    url: str
    width: int
    height: int
    alt: str


@dataclass
class PageMeta:
    title: str
    description: str
    canonical: str
    site_name: str
    noindex: bool
    image: SocialImage | None
    og_type: str = "website"
    article: dict[str, Any] = field(default_factory=dict)
    json_ld: SafeString = mark_safe("")  # noqa: S308


def absolute(request, url: str) -> str:
    return request.build_absolute_uri(url)


def social_image(request, image) -> SocialImage | None:
    if image is None:
        return None
    rendition = image.get_rendition(SOCIAL_IMAGE_SPEC)
    return SocialImage(
        url=absolute(request, rendition.url),
        width=rendition.width,
        height=rendition.height,
        alt=image.default_alt_text or image.title,
    )


def json_ld_script(data: dict) -> SafeString:
    """Serialise for a <script> element without letting the data close it."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(text.translate(_json_script_escapes))  # noqa: S308


def build_graph(page: SeoPage, request, settings: SiteSettings, meta: PageMeta):
    root = absolute(request, "/")
    search_url = absolute(request, "/search/")
    org_id = f"{root}#organization"
    site_id = f"{root}#website"
    page_id = f"{meta.canonical}#webpage"
    organization = {
        "@type": "Organization",
        "@id": org_id,
        "name": settings.organisation_name,
        "url": root,
    }
    if settings.logo:
        logo = settings.logo.get_rendition("max-600x60")
        organization["logo"] = {
            "@type": "ImageObject",
            "url": absolute(request, logo.url),
            "width": logo.width,
            "height": logo.height,
        }
    if settings.contact_email:
        organization["email"] = settings.contact_email
    if settings.phone:
        organization["telephone"] = settings.phone
    if profiles := settings.social_profiles():
        organization["sameAs"] = profiles
    graph: list[dict[str, Any]] = [
        organization,
        {
            "@type": "WebSite",
            "@id": site_id,
            "url": root,
            "name": settings.organisation_name,
            "publisher": {"@id": org_id},
            "potentialAction": {
                "@type": "SearchAction",
                "target": {
                    "@type": "EntryPoint",
                    "urlTemplate": f"{search_url}?q={{search_term_string}}",
                },
                "query-input": "required name=search_term_string",
            },
        },
        {
            "@type": "WebPage",
            "@id": page_id,
            "url": meta.canonical,
            "name": meta.title,
            "description": meta.description,
            "isPartOf": {"@id": site_id},
            "breadcrumb": {"@id": f"{meta.canonical}#breadcrumb"},
        },
        {
            "@type": "BreadcrumbList",
            "@id": f"{meta.canonical}#breadcrumb",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "position": position,
                    "name": "Home" if position == 1 else crumb.title,
                    "item": absolute(request, crumb.get_url(request)),
                }
                for position, crumb in enumerate(page.breadcrumb_pages, start=1)
            ],
        },
    ]
    if isinstance(page, ArticlePage):
        article = {
            "@type": "Article",
            "@id": f"{meta.canonical}#article",
            "headline": truncate_words(page.title, HEADLINE_MAX),
            "description": meta.description,
            "datePublished": page.date_published.isoformat(),
            "dateModified": (page.modified_at or page.date_published).isoformat(),
            "publisher": {"@id": org_id},
            "mainEntityOfPage": {"@id": page_id},
            "isPartOf": {"@id": site_id},
            "inLanguage": "en",
            "keywords": page.keywords,
            "articleSection": [mineral.name for mineral in page.mineral_list],
        }
        if page.author:
            article["author"] = {
                "@type": "Person",
                "name": page.author.name,
                **({"jobTitle": page.author.role} if page.author.role else {}),
                "worksFor": {"@id": org_id},
            }
        else:
            article["author"] = {"@id": org_id}
        if meta.image:
            article["image"] = {
                "@type": "ImageObject",
                "url": meta.image.url,
                "width": meta.image.width,
                "height": meta.image.height,
            }
        graph.append(article)
    return {"@context": "https://schema.org", "@graph": graph}


def page_meta(page: SeoPage, request, settings: SiteSettings) -> PageMeta:
    image = page.get_social_image(settings)
    meta = PageMeta(
        title=page.get_meta_title(settings),
        description=page.get_meta_description(),
        canonical=page.get_canonical_url(request),
        site_name=settings.organisation_name,
        noindex=page.noindex,
        image=social_image(request, image),
    )
    if isinstance(page, ArticlePage):
        meta.og_type = "article"
        meta.article = {
            "published_time": page.date_published.isoformat(),
            "modified_time": (page.modified_at or page.date_published).isoformat(),
            "sections": [mineral.name for mineral in page.mineral_list],
            "tags": [tag.name for tag in page.tag_list],
        }
    meta.json_ld = json_ld_script(build_graph(page, request, settings, meta))
    return meta
