"""What the console says of itself: the banner it starts with and its `help`."""

from __future__ import annotations

import textwrap

from bot.console.session import CHANNEL_NAME, ConsoleSession

BANNER = """\
opsgate console: a local Slack with {vendors}. You are @{user} in #{channel}.
People: @alice, @dave (engineers), @bob, @carol (ops leads). Type `help` for more.

Try:  /ops help
      /ops <vendor> <resource> <action> <target> --reason "why"   {targets}
      form                       (the request form, field by field)
      as @bob approve            (the newest pending request, or name its id)
      audit
"""


def banner(session: ConsoleSession, *, user: str) -> str:
    """The greeting: who you are, what to try, which vendors are real, and what each sandboxed
    vendor holds."""
    adapters = session.app.adapters
    real = sorted(adapters.settings)  # configured: its adapter calls the vendor itself
    targets = sorted(adapters.sandbox_targets.items())
    lines = [
        BANNER.format(
            vendors=_vendors(real, sandboxed=bool(adapters.simulators)),
            targets="(a sandbox target below)" if targets else "(⚠ on a REAL vendor)",
            user=user,
            channel=CHANNEL_NAME,
        )
    ]
    for vendor in real:
        unset = "sandbox it" if vendor not in adapters.without_simulator else "leave it out"
        lines += _wrapped(
            f"⚠ REAL: {vendor} ({adapters.titles.get(vendor, vendor)}) is configured "
            f"(OPSGATE_{vendor.upper()}__* or [{vendor}]): its commands call the real vendor. "
            f"Unset those settings to {unset}.",
            indent="  ",
        )
    if real and targets:
        lines.append("")
    if targets:
        lines.append("Sandbox targets:")
    for vendor, listed in targets:
        text = f"{vendor} ({adapters.titles[vendor]}): {' '.join(listed.split())}"
        lines += _wrapped(f"  {text}", indent="      ")
    return "\n".join(lines) + "\n"


def _vendors(real: list[str], *, sandboxed: bool) -> str:
    """What the console's vendors are, for the banner's first line."""
    if not real:
        return "sandboxed vendors"
    if sandboxed:
        return "unconfigured vendors sandboxed"
    return "no vendor sandboxed"


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
                                  awaiting your review)
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
