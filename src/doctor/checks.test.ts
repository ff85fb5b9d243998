import { describe, expect, it } from 'vitest';
import { effectiveCapabilities, mountOf } from './checks.js';

const MOUNTS = `sysfs /sys sysfs rw 0 0
/dev/mmcblk0p2 / ext4 rw,noatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
tmpfs /run/user/1000 tmpfs rw 0 0
/dev/sda1 /run-data ext4 rw 0 0
`;

describe('mountOf', () => {
  it('finds the deepest mount that holds a directory', () => {
    expect(mountOf('/run/footfall', MOUNTS)).toEqual({ point: '/run', type: 'tmpfs' });
    expect(mountOf('/var/lib/footfall', MOUNTS)).toEqual({ point: '/', type: 'ext4' });
    expect(mountOf('/run-data/keys', MOUNTS)).toEqual({ point: '/run-data', type: 'ext4' });
    expect(mountOf('/run/user/1000/x', MOUNTS)).toEqual({ point: '/run/user/1000', type: 'tmpfs' });
  });
});

describe('effectiveCapabilities', () => {
  it('reads CapEff from /proc/<pid>/status', () => {
    expect(effectiveCapabilities('Name:\tnode\nCapEff:\t0000000000003000\n')).toBe(0x3000n);
    expect(effectiveCapabilities('Name:\tnode\n')).toBe(0n);
  });
});
