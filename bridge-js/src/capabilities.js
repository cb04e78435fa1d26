// `TTMinis.canIUse(schema)`: schema is `${api}.${method}.${param}.${option}`
// and any dot-boundary prefix of a capability string also matches
// ('login' and 'login.success' match 'login.success.code'; 'login.succ' does not).
//
// Only capabilities whose api this bridge actually implements count, so a host
// that advertises e.g. `pay` before the bridge has it still answers false.

export function createCanIUse(capabilities, implementedApis) {
  const usable = capabilities.filter((cap) => implementedApis.has(cap.split('.')[0]));
  return function canIUse(schema) {
    if (typeof schema !== 'string' || schema === '') return false;
    const prefix = `${schema}.`;
    return usable.some((cap) => cap === schema || cap.startsWith(prefix));
  };
}
