/**
 * The two VMM backends behind one interface. A backend turns a VM description
 * into the VMM's command line (and any files it reads), and pauses or resumes
 * a running VM. The monitor runs the command; it keeps no policy of its own.
 */

export interface VmDescription {
  /** The container's state directory; the VMM runs with it as cwd. */
  stateDir: string;
  kernelPath: string;
  initrdPath: string;
  /** Absolute path of the root drive image. */
  drivePath: string;
  driveReadonly: boolean;
  /**
   * The container's writable layer over a read-only image drive; the guest
   * tells the two apart by their read-only flags, not by probe order.
   */
  layerPath?: string;
  vcpus: number;
  memoryMiB: number;
  /** Extra kernel command-line arguments from the settings. */
  kernelArgs: string;
  /**
   * The TAP device behind the guest's network interface. The VMM creates it
   * in its own network namespace, the container's; `start` links it up.
   */
  tapName: string;
  /** How many volume channels the guest gets (docs/volumes.md). */
  volumes: number;
}

export interface VmmPlan {
  argv: string[];
  /** Socket the monitor listens on for the guest's agent channel, relative to stateDir. */
  agentSocket: string;
  /** Socket the monitor listens on for volume N's channel, relative to stateDir. */
  volumeSockets: string[];
  /** Files to write into stateDir before the VMM starts. */
  files: { name: string; content: string }[];
}

export interface Backend {
  readonly name: 'qemu' | 'firecracker';
  plan(vm: VmDescription): VmmPlan;
}

/**
 * Kernel arguments every guest boots with, before backend and user additions.
 * no_timer_check: at boot the kernel checks that timer interrupts arrive
 * within ~4 jiffies of spinning on the TSC and panics ("IO-APIC + timer
 * doesn't work!") when they do not; a VMM thread the host does not schedule
 * in time (many guests booting at once, TCG) fails that check though the
 * timer works, so it is skipped, as the virtual timer is known to be wired.
 */
export const BASE_KERNEL_ARGS = 'console=ttyS0 reboot=k panic=-1 no_timer_check quiet';
