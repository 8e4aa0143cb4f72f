"""Chat apps (DingTalk, WeCom, Slack): cards out, signed card callbacks in (issue 19)."""
