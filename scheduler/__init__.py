"""APScheduler 3.x jobs: discovery per source and re-checks, each crawl in a child process."""
