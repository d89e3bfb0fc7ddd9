"""Phonebanking: call lists, scripts, contacts who agreed to be phoned, and the calls made.

A nested app (`events.phonebank`, label `phonebank`) inside the events app: it builds on
phonebank sessions and their sign-ups (a caller is the Rsvp of their session), and keeps its
own migrations, permissions and admin section. Events never imports it.
"""
