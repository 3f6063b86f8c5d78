"""Yoast-class SEO and readability analysis of articles.

The pure core reads plain data and touches no database: `document.ArticleDocument`
in, `core.analyse` out, with the checks declared in `checks` through the `registry`.
Beside it sit the ORM side: `adapters` builds a document from an ArticlePage (saved,
unsaved or a revision), `services` audits and stores scores, and `views`, `panels`
and `listing` are the admin.
"""
