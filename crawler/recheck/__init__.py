"""Re-checks of known articles: policy (when), due (which), sharding (which worker), conditional
(validators), probe (aiohttp requests before Scrapy loads) and precheck (the probe's run)."""
