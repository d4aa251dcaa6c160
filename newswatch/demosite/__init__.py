"""The bundled demo news site: a static site generator plus the HTTP server that serves it."""
from .edits import Edit, edit_articles
from .generator import ArticleInfo, SiteInfo, churn_chrome, generate_site, load_site
from .render import render_article
from .server import DemoServer, RequestLog

__all__ = ["ArticleInfo", "DemoServer", "Edit", "RequestLog", "SiteInfo", "churn_chrome",
           "edit_articles", "generate_site", "load_site", "render_article"]
