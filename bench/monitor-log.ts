/**
 * dock-fire's time split, read from the monitor's log (one line per event,
 * "<epoch s>.<ms> dock-fire-monitor <level>: <message>").
 */

const EVENTS = {
  monitorStart: /: starting, pid/,
  vmmStarted: /: ready; VMM /,
  guestReady: /: guest ready/,
  startQueued: /: START queued/,
  processStarted: /: container started on stream/,
  processExited: /: container (exited with status|killed by signal)/,
  monitorExit: /: exiting with status/,
};

export type MonitorEvents = Partial<Record<keyof typeof EVENTS, number>>;

export function parseMonitorLog(text: string): MonitorEvents {
  const events: MonitorEvents = {};
  for (const line of text.split('\n')) {
    const time = /^(\d+)\.(\d{3}) /.exec(line);
    if (!time) continue;
    const ms = Number(time[1]) * 1000 + Number(time[2]);
    for (const [name, re] of Object.entries(EVENTS) as [keyof typeof EVENTS, RegExp][]) {
      if (events[name] === undefined && re.test(line)) events[name] = ms;
    }
  }
  return events;
}

export interface Split {
  vmmStart?: number;
  guestBoot?: number;
  processStart?: number;
  shutdown?: number;
}

function span(a?: number, b?: number): number | undefined {
  return a !== undefined && b !== undefined ? b - a : undefined;
}

export function split(e: MonitorEvents): Split {
  return {
    vmmStart: span(e.monitorStart, e.vmmStarted),
    guestBoot: span(e.vmmStarted, e.guestReady),
    // START waits in the monitor when it comes before the guest is up.
    processStart: span(
      e.guestReady !== undefined && e.startQueued !== undefined
        ? Math.max(e.guestReady, e.startQueued)
        : undefined,
      e.processStarted,
    ),
    shutdown: span(e.processExited, e.monitorExit),
  };
}
