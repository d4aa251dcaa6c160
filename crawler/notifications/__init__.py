"""Notifications of edits: the rules (which edits, what text) and their delivery (Apprise)."""
from crawler.notifications.delivery import DRAIN_SECONDS, Notifier, Sender, send, target_hash, target_label
from crawler.notifications.rules import NotifyRules, diff_url, message, rules_for, wanted

__all__ = ["DRAIN_SECONDS", "Notifier", "NotifyRules", "Sender", "diff_url", "message", "rules_for",
           "send", "target_hash", "target_label", "wanted"]
