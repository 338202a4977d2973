"""What the console says of itself: the banner it starts with and its `help`."""

from __future__ import annotations

import textwrap

from bot.console.session import CHANNEL_NAME, ConsoleSession

BANNER = """\
opsgate console: a local Slack with sandboxed vendors. You are @{user} in #{channel}.
People: @alice, @dave (engineers), @bob, @carol (ops leads). Type `help` for more.

Try:  /ops help
      /ops <vendor> <resource> <action> <target> --reason "why"   (a sandbox target below)
      form                       (the request form, field by field)
      as @bob approve            (the newest pending request, or name its id)
      audit
"""


def banner(session: ConsoleSession, *, user: str) -> str:
    """The greeting: who you are, what to try, and what each sandboxed vendor holds."""
    adapters = session.app.adapters
    lines = [BANNER.format(user=user, channel=CHANNEL_NAME)]
    if adapters.sandbox_targets:
        lines.append("Sandbox targets:")
    for vendor, targets in sorted(adapters.sandbox_targets.items()):
        text = f"{vendor} ({adapters.titles[vendor]}): {' '.join(targets.split())}"
        lines += textwrap.wrap(
            text,
            width=92,
            initial_indent="  ",
            subsequent_indent="      ",
            break_on_hyphens=False,  # ids are copied from here: never split one
            break_long_words=False,
        )
    return "\n".join(lines) + "\n"


HELP = """\
  /ops <command>                  a slash command as the current user (try /ops help;
                                  /ops alone opens the request form, as `form` does)
  approve|reject|withdraw [<id>]  click that button on a request's card (default:
                                  the newest pending request)
  reject [<id>] <why>             reject, giving the Reject dialog a reason
  stop [<id>]                     Stop a running bulk request (default: the newest running)
  review [<id>]                   Mark a break-glass request reviewed (default: the oldest
                                  awaiting review)
  as @<user> <line>               run one line as someone else (alice, bob, carol, dave)
  user @<user>                    become someone else for the following lines
  audit [<id>]                    the audit trail (of one request, or the last 20 events)
  verify                          check the audit log's hash chain
  form [<operation>]              the request form (as /ops alone opens it), field by
                                  field: an empty answer keeps what is shown, - clears it
  again [<id>]                    click Request again on a card (default: the newest
                                  request that can be asked again), then the form
  home                            open the App Home tab
  home approve|reject|review|stop [<id>]  click that button in your App Home tab (default:
                                  the first request your tab shows it on; home reject
                                  [<id>] <why> gives the Reject dialog a reason)
  help | quit
"""
