"""What the console says of itself: the banner it starts with and its `help`."""

from __future__ import annotations

import textwrap

from bot.console.session import CHANNEL_NAME, ConsoleSession

BANNER = """\
opsgate console: a local Slack with {vendors}. You are @{user} in #{channel}.
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
    real = sorted(adapters.settings)  # configured: its adapter calls the vendor itself
    vendors = "sandboxed vendors" if not real else "unconfigured vendors sandboxed"
    lines = [BANNER.format(vendors=vendors, user=user, channel=CHANNEL_NAME)]
    for vendor in real:
        lines += _wrapped(
            f"⚠ REAL: {vendor} ({adapters.titles.get(vendor, vendor)}) is configured "
            f"(OPSGATE_{vendor.upper()}__* or [{vendor}]): its commands call the real vendor. "
            "Unset those settings to sandbox it.",
            indent="  ",
        )
    if real:
        lines.append("")
    if adapters.sandbox_targets:
        lines.append("Sandbox targets:")
    for vendor, targets in sorted(adapters.sandbox_targets.items()):
        text = f"{vendor} ({adapters.titles[vendor]}): {' '.join(targets.split())}"
        lines += _wrapped(f"  {text}", indent="      ")
    return "\n".join(lines) + "\n"


def _wrapped(text: str, *, indent: str) -> list[str]:
    """`text` in lines of the banner's width, the following ones indented by `indent`."""
    return textwrap.wrap(
        text,
        width=92,
        subsequent_indent=indent,
        break_on_hyphens=False,  # ids are copied from here: never split one
        break_long_words=False,
    )


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
                                  the first request your tab shows it on; stop: the one
                                  run it has a Stop on, or a list of them to name one;
                                  home reject [<id>] <why> gives the Reject dialog a reason)
  help | quit
"""
