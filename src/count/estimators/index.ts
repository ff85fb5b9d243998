/**
 * Every device estimator, by source, and the ones the sensor uses. `npm run eval` runs each of
 * them on the same captures, so an alternative can be measured beside the default.
 */
import type { DeviceEstimator, EstimatorSet } from '../estimator.js';
import { bleRotationChainsEstimator } from './ble-rotation-chains.js';
import { wifiBurstsEstimator } from './wifi-bursts.js';
import { wifiIeClassEstimator } from './wifi-ie-class.js';

export const WIFI_ESTIMATORS: readonly DeviceEstimator[] = [wifiBurstsEstimator, wifiIeClassEstimator];
export const BLE_ESTIMATORS: readonly DeviceEstimator[] = [bleRotationChainsEstimator];

export const DEFAULT_ESTIMATORS: EstimatorSet = { wifi: wifiBurstsEstimator, ble: bleRotationChainsEstimator };
