/**
 * The live capture of a sensor, made from its config: the monitor interface for Wi-Fi and the
 * sources on it and on the Bluetooth adapter. The daemon counts with them; `footfall calibrate`
 * uses the same ones when no daemon holds the radios.
 */
import { BleLiveSource, type BleLiveSourceOptions } from '../capture/ble/ble-live-source.js';
import { MonitorInterface } from '../capture/wifi/monitor-interface.js';
import { WifiLiveSource } from '../capture/wifi/wifi-live-source.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';

/** The monitor interface of capture.wifi: made with iw when create_monitor is set, else checked. */
export function monitorInterfaceOf(config: Config, logger: Logger): MonitorInterface {
  const { wifi } = config.capture;
  return new MonitorInterface({
    interface: wifi.interface,
    createMonitor: wifi.create_monitor,
    monitorInterface: wifi.monitor_interface,
    channels: wifi.channels,
    hopMs: wifi.hop_ms,
    logger: logger.child('monitor'),
  });
}

export type LiveSource = WifiLiveSource | BleLiveSource;

export interface LiveSourceOptions {
  /** Makes the Bluetooth adapter's noble bindings; by default noble's HCI socket ones. The live benchmark drives the daemon through stand-ins. */
  createBleBindings?: BleLiveSourceOptions['createBindings'];
}

/** A source on `captureInterface` (none when null: Wi-Fi is off), and one on the Bluetooth adapter when BLE is on. */
export function liveSources(config: Config, captureInterface: string | null, logger: Logger, options: LiveSourceOptions = {}): LiveSource[] {
  const { wifi, ble } = config.capture;
  return [
    ...(captureInterface === null
      ? []
      : [
          new WifiLiveSource({
            interface: captureInterface,
            linkType: wifi.link_type,
            checkFcs: wifi.check_fcs,
            bufferKb: wifi.buffer_kb,
            logger: logger.child('capture'),
          }),
        ]),
    ...(ble.enabled
      ? [new BleLiveSource({ adapter: ble.adapter, passive: ble.passive, stallSeconds: ble.stall_seconds, logger: logger.child('ble'), createBindings: options.createBleBindings })]
      : []),
  ];
}
