/**
 * A stand-in for `@abandonware/bluetooth-hci-socket`, the native module under noble's HCI layer,
 * for tests and the live benchmark on machines without a Bluetooth controller. With it, noble's
 * own `lib/hci-socket/bindings.js`, hci.js and gap.js run unchanged: the stand-in answers their
 * commands as a Bluetooth 5.0 controller with LE support would (Command Complete, status 0), and
 * `receive` hands them an HCI packet as the kernel's socket would, one packet per `data` event.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { NobleBindings } from './ble-live-source.js';
import { H4_EVENT } from './hci-event.js';

/** H4 packet indicator of an HCI command, and the event that completes one. */
const H4_COMMAND = 0x01;
const COMMAND_COMPLETE = 0x0e;

/** The controller's own address, as READ_BD_ADDR reports it (little-endian). */
const CONTROLLER_ADDRESS = Buffer.from([0x01, 0x00, 0x00, 0x0a, 0x1b, 0x00]);

/** Opcodes whose Command Complete carries more than a status (hci.js, processCmdCompleteEvent). */
const READ_LOCAL_VERSION = 0x1001;
const READ_BD_ADDR = 0x1009;
const READ_LE_HOST_SUPPORTED = 0x0c6c;
const LE_READ_BUFFER_SIZE = 0x2002;
/** What hci.js reads past the status at most (READ_SUPPORTED_COMMANDS: 64 octets). */
const RESULT_LENGTH = 64;

function commandResult(opcode: number): Buffer {
  const result = Buffer.alloc(RESULT_LENGTH);
  if (opcode === READ_LOCAL_VERSION) result[0] = 0x09; // HCI version 5.0
  if (opcode === READ_LE_HOST_SUPPORTED) result[0] = 1;
  if (opcode === LE_READ_BUFFER_SIZE) {
    result.writeUInt16LE(27, 0);
    result[2] = 8;
  }
  if (opcode === READ_BD_ADDR) CONTROLLER_ADDRESS.copy(result);
  return result;
}

export class StandInHciSocket extends EventEmitter {
  /** Command packets as they reached the controller. */
  readonly commands: Buffer[] = [];
  up = true;
  started = false;

  bindRaw(): number {
    return 0;
  }

  bindUser(): number {
    return 0;
  }

  start(): void {
    this.started = true;
  }

  stop(): void {
    this.started = false;
  }

  isDevUp(): boolean {
    return this.up;
  }

  setFilter(): void {}

  /** A command from the host: answered with its Command Complete in a later turn, as a controller would. */
  write(packet: Buffer): void {
    this.commands.push(Buffer.from(packet));
    if (packet[0] !== H4_COMMAND || packet.length < 4) return;
    const result = commandResult(packet.readUInt16LE(1));
    // Parameters: one more command allowed, the opcode, status 0 (success), the result.
    const event = Buffer.concat([Buffer.from([H4_EVENT, COMMAND_COMPLETE, 4 + result.length, 1, packet[1]!, packet[2]!, 0x00]), result]);
    setImmediate(() => this.receive(event));
  }

  /** A packet from the controller (H4 indicator first), delivered to noble as the kernel's socket would. */
  receive(packet: Buffer): void {
    if (this.started) this.emit('data', packet);
  }
}

/** noble's package, for require()s rooted in it. */
function nobleRequire(): NodeJS.Require {
  return createRequire(createRequire(import.meta.url).resolve('@abandonware/noble/with-bindings'));
}

/**
 * noble's own HCI socket bindings for adapter `deviceId`, over a StandInHciSocket: the stand-in
 * takes the native module's place in require's cache (once per process), so hci.js makes one.
 */
export function nobleBindingsOnStandIn(deviceId = 0): { bindings: NobleBindings; socket: StandInHciSocket } {
  const load = nobleRequire();
  const modulePath = createRequire(load.resolve('./lib/hci-socket/hci.js')).resolve('@abandonware/bluetooth-hci-socket');
  const cached = load.cache[modulePath];
  if (cached === undefined) {
    load.cache[modulePath] = { id: modulePath, filename: modulePath, loaded: true, exports: StandInHciSocket } as unknown as NodeJS.Module;
  } else if (cached.exports !== StandInHciSocket) {
    throw new Error('the native Bluetooth HCI socket module was loaded before its stand-in');
  }
  const Bindings = load('./lib/hci-socket/bindings.js') as new (options: { deviceId: number }) => NobleBindings;
  const bindings = new Bindings({ deviceId });
  return { bindings, socket: bindings._hci!._socket as unknown as StandInHciSocket };
}
