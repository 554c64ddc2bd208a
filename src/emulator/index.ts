/**
 * The local provider emulator: speaks the OpenAI and Anthropic batch wire protocols with compressed time
 * and scripted faults. See README.md in this folder.
 */
export { startEmulator, type EmulatorHandle, type EmulatorOptions } from './emulator';
export { ScenarioSchema, type Scenario, type ResolvedScenario } from './scenario';
export { loadScenario, ScenarioError } from './scenario-file';
export type { Inspection, InspectedBatch } from './inspection';
