/**
 * WorkloadEntry rules (istiod `validateWorkloadEntry`), also applied to ServiceEntry STATIC
 * endpoints: an address is required unless `network` is set (then the gateway of that network is
 * used); `unix://` addresses must be absolute file paths or abstract sockets and carry no ports;
 * other addresses are IPs or, outside STATIC ServiceEntries, FQDNs; port names are DNS labels.
 */
import type { WorkloadEntrySpec } from '../../model/istio/workload-entry.js';
import type { SpecContext } from './context.js';
import { checkFQDN } from './hosts.js';
import { type Issues, at, sortedEntries } from './issues.js';
import { validateLabels } from './labels.js';
import { UNIX_ADDRESS_PREFIX, checkPort, checkPortName, checkUnixAddress, isIPAddress } from './net.js';

export interface WorkloadEntryRules {
  /** Port names of the enclosing ServiceEntry; endpoint ports must be among them. */
  readonly servicePorts?: ReadonlySet<string>;
  /** FQDN addresses are allowed for standalone entries, not for STATIC ServiceEntry endpoints. */
  readonly allowFQDN: boolean;
}

export function validateWorkloadEntryFields(
  we: WorkloadEntrySpec,
  rules: WorkloadEntryRules,
  path: string,
  issues: Issues,
): void {
  const addr = we.address ?? '';
  if (addr === '') {
    if (!we.network) {
      issues.error(at(path, 'address'), 'address is required');
      return;
    }
    issues.warn(at(path, 'address'), `address is unset with network ${JSON.stringify(we.network)}`);
  }
  let unix = false;
  if (addr.startsWith(UNIX_ADDRESS_PREFIX)) {
    unix = true;
    issues.check(at(path, 'address'), checkUnixAddress(addr.slice(UNIX_ADDRESS_PREFIX.length)));
    if (Object.keys(we.ports ?? {}).length > 0)
      issues.error(at(path, 'ports'), `unix endpoint ${addr} must not include ports`);
  } else if (addr !== '' && !isIPAddress(addr)) {
    if (!rules.allowFQDN)
      issues.error(at(path, 'address'), `endpoint address ${JSON.stringify(addr)} is not a valid IP address`);
    else if (checkFQDN(addr))
      issues.error(
        at(path, 'address'),
        `endpoint address ${JSON.stringify(addr)} is not a valid FQDN or an IP address`,
      );
  }
  for (const [name, port] of sortedEntries(we.ports)) {
    const p = at(at(path, 'ports'), name);
    if (rules.servicePorts && !rules.servicePorts.has(name))
      issues.error(p, `endpoint port ${port} is not defined by the service entry`);
    issues.check(p, checkPortName(name));
    issues.check(p, checkPort(port));
  }
  validateLabels(we.labels, at(path, 'labels'), issues);
  if (unix && rules.servicePorts && rules.servicePorts.size !== 1) {
    issues.error(path, 'exactly 1 service port required for unix endpoints');
  }
}

export function validateWorkloadEntry(
  we: WorkloadEntrySpec,
  _ctx: SpecContext,
  issues: Issues,
  path = 'spec',
): void {
  validateWorkloadEntryFields(we, { allowFQDN: true }, path, issues);
}
