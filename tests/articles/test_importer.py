import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.importer import DraftError, parse_draft, read_draft
from articles.models import ArticlePage
from tests.builders import make_index, make_mineral

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "000_f85048494396b3d4.txt"
GROUP_HEADINGS = [
    "Why Pakistan’s Mineral Sector Matters to Global Markets",
    "Rising U.S. Interest in Pakistan’s Minerals",
    "Global Context: U.S., China, Russia & Europe",
    "What Attracts U.S. and International Investors",
    "Challenges Investors Should Know",
    "How Investors Can Engage",
    "Conclusion",
]


@pytest.fixture
def seed_draft():
    return parse_draft(read_draft(SEED))


def test_demo_copy_matches_the_clients_seed():
    shared = ROOT.parent / "shared" / "seeds" / SEED.name
    if shared.exists():
        assert SEED.read_bytes() == shared.read_bytes()
    assert SEED.stat().st_size > 0


def test_seed_title_subtitle_and_introduction(seed_draft):
    assert seed_draft.title == "U.S. Interest in Pakistan’s Minerals"
    assert seed_draft.subtitle == "A Strategic Opportunity for Global Investors."
    assert seed_draft.introduction.startswith("Pakistan is rapidly emerging")
    assert seed_draft.introduction.endswith("China, Russia, and Europe.")


def test_seed_group_headings_in_order(seed_draft):
    headings = [b["value"]["text"] for b in seed_draft.body if b["type"] == "heading"]
    assert headings == GROUP_HEADINGS


def test_seed_eleven_numbered_sections_under_their_headings(seed_draft):
    sections = []
    current_heading = None
    for block in seed_draft.body:
        if block["type"] == "heading":
            current_heading = block["value"]["text"]
        elif block["type"] == "numbered_section":
            sections.append((block["value"]["number"], current_heading, block))
    assert [number for number, _, _ in sections] == list(range(1, 12))
    by_number = {number: (heading, block) for number, heading, block in sections}
    assert by_number[1][0] == GROUP_HEADINGS[0]
    assert by_number[4][0] == GROUP_HEADINGS[1]
    assert by_number[11][0] == GROUP_HEADINGS[5]
    assert (
        by_number[10][1]["value"]["heading"] == "Joint Ventures & Strategic Alliances"
    )
    for _, block in by_number.values():
        assert block["value"]["content"], "every section has text"


def test_seed_list_lines_become_a_list(seed_draft):
    first = seed_draft.body[1]["value"]["content"]
    assert [b["type"] for b in first] == ["paragraph", "list", "paragraph"]
    items = first[1]["value"]["items"]
    assert len(items) == 3
    assert items[0].startswith("<b>Copper &amp; gold:</b> Particularly")


def test_seed_conclusion_and_call_to_action(seed_draft):
    conclusion = [
        i
        for i, b in enumerate(seed_draft.body)
        if b["type"] == "heading" and b["value"]["text"] == "Conclusion"
    ][0]
    assert seed_draft.body[conclusion + 1]["type"] == "paragraph"
    assert seed_draft.body[conclusion + 2]["type"] == "paragraph"
    cta = seed_draft.body[-1]
    assert cta["type"] == "call_to_action"
    assert cta["value"]["heading"].endswith("Pakistan’s minerals sector?")
    assert "Contact BTOBSERVICES.PK" in cta["value"]["text"]


def test_seed_keywords_mapped(seed_draft):
    assert seed_draft.primary_keyword == "U.S. interest in Pakistan minerals"
    assert seed_draft.secondary_keywords == [
        "Pakistan mineral sector",
        "Pakistan mining investment opportunities",
        "Pakistan rare earth minerals",
        "Pakistan copper and gold reserves",
        "global mineral supply diversification",
        "foreign mining investment Pakistan",
        "critical mineral exports Pakistan",
    ]


def test_seed_keyword_block_absent_from_body(seed_draft):
    text = seed_draft.plain_text()
    assert "SEO Keywords" not in text
    assert "Primary:" not in text
    assert "Secondary:" not in text
    assert "critical mineral exports Pakistan" not in text


def test_seed_reports_lines_it_could_not_map(seed_draft):
    assert len(seed_draft.unmapped) == 2
    assert "Foreign mining investment Pakistan" in seed_draft.unmapped[1]


@pytest.mark.django_db
def test_import_command_creates_a_draft_with_minerals(capsys):
    index = make_index()
    for name in ("Copper", "Gold", "Lithium", "Antimony", "Tungsten", "Zinc"):
        make_mineral(name)
    make_mineral("Rare earths", aliases="rare earth, REE")

    call_command("import_article", str(SEED))

    page = ArticlePage.objects.child_of(index).get()
    assert not page.live
    assert page.has_unpublished_changes
    assert page.slug == "us-interest-in-pakistans-minerals"
    assert page.primary_keyword == "U.S. interest in Pakistan minerals"
    assert len(page.secondary_keyword_list) == 7
    assert sorted(m.slug for m in page.minerals.all()) == [
        "antimony",
        "copper",
        "gold",
        "lithium",
        "rare-earths",
        "tungsten",
    ]
    # Scored at once: the Articles listing never says "not scored" for it.
    report = page.seo_report
    assert report.checks and 0 < report.seo_score <= 100
    output = capsys.readouterr().out
    assert f"SEO score {report.seo_score}, readability" in output
    assert "Not imported" in output
    assert "11 numbered sections" in output


@pytest.mark.django_db
def test_import_publish_and_a_second_import_gets_its_own_slug():
    index = make_index()
    call_command("import_article", str(SEED), "--publish")
    call_command("import_article", str(SEED))
    slugs = sorted(ArticlePage.objects.child_of(index).values_list("slug", flat=True))
    assert slugs == [
        "us-interest-in-pakistans-minerals",
        "us-interest-in-pakistans-minerals-2",
    ]
    assert ArticlePage.objects.live().count() == 1


def write(tmp_path, content: bytes) -> str:
    path = tmp_path / "draft.txt"
    path.write_bytes(content)
    return str(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Café report\nLatin-1 text\n".encode("latin-1"), "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (b"Title\x00\nbody\n", "NUL bytes"),
        (b"", "has no title"),
        (b"   \n\n  \n", "has no title"),
        (b"1. A numbered section first\nText.\n", "has no title"),
        (b"This is a sentence, not a title.\nMore.\n", "has no title"),
    ],
)
def test_malformed_drafts_are_rejected_with_one_sentence(tmp_path, content, message):
    make_index()
    with pytest.raises(CommandError, match=message):
        call_command("import_article", write(tmp_path, content))
    assert ArticlePage.objects.count() == 0


@pytest.mark.django_db
def test_missing_file_is_rejected(tmp_path):
    make_index()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_article", str(tmp_path / "nope.txt"))


def test_read_draft_strips_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffTitle\nSubtitle here\nBody text.\n".encode())
    assert parse_draft(read_draft(path)).title == "Title"


@pytest.mark.django_db
def test_failed_import_leaves_no_half_created_page(monkeypatch):
    index = make_index()

    def crash(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ArticlePage, "save_revision", crash)
    with pytest.raises(RuntimeError):
        call_command("import_article", str(SEED))
    assert ArticlePage.objects.count() == 0
    assert index.get_children().count() == 0


def test_command_exits_non_zero_without_traceback(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_article", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "not UTF-8 text" in result.stderr


def test_parse_draft_without_keyword_block_or_cta():
    draft = parse_draft(
        "Lithium in Pakistan\n"
        "An early look at brine and pegmatite prospects.\n"
        "Lithium matters for batteries.\n"
        "Where the deposits are\n"
        "1. Gilgit-Baltistan pegmatites\n"
        "Spodumene occurs in pegmatite belts.\n"
    )
    assert draft.primary_keyword == ""
    assert draft.secondary_keywords == []
    assert [b["type"] for b in draft.body] == ["heading", "numbered_section"]
    assert draft.unmapped == []


def test_draft_error_is_an_exception_with_the_sentence():
    with pytest.raises(DraftError, match="empty"):
        parse_draft("")
