"""The default ``BLOCKED_USER_AGENTS``: crawlers, refused by anonymous sign-in.

Matched as case-insensitive substrings of the ``User-Agent`` header. Plain HTTP
libraries (curl, okhttp, requests) are not listed: mobile apps and scripts call
APIs with them.
"""

CRAWLER_USER_AGENTS: tuple[str, ...] = (
    # Generic markers: most crawlers name themselves "...bot/1.0" or give a
    # "+https://..." contact address.
    "bot/",
    "crawler",
    "spider",
    "+http",
    # Search engines, SEO tools, AI crawlers and link-preview fetchers by name.
    "googlebot",
    "googleother",
    "google-inspectiontool",
    "mediapartners-google",
    "adsbot-google",
    "storebot-google",
    "bingbot",
    "bingpreview",
    "slurp",
    "duckduckbot",
    "baiduspider",
    "yandexbot",
    "sogou",
    "exabot",
    "seznambot",
    "petalbot",
    "applebot",
    "amazonbot",
    "bytespider",
    "gptbot",
    "chatgpt-user",
    "claudebot",
    "ccbot",
    "perplexitybot",
    "ahrefsbot",
    "semrushbot",
    "mj12bot",
    "dotbot",
    "rogerbot",
    "blexbot",
    "dataforseobot",
    "serpstatbot",
    "screaming frog",
    "sitebulb",
    "ia_archiver",
    "archive.org_bot",
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "discordbot",
    "telegrambot",
    "whatsapp",
    "pinterestbot",
    "embedly",
    "skypeuripreview",
)
