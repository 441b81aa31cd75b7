/**
 * Server credentials for xDS over TLS that *request* a client certificate without requiring
 * one. grpc-js's `ServerCredentials.createSsl(ca, pairs, true)` sets `requestCert` and leaves
 * Node's `rejectUnauthorized` at true, so a proxy authenticating with a ServiceAccount token
 * (no certificate) would fail the handshake. Here the handshake accepts any client, the TLS socket
 * records whether a certificate chained to `clientCa`, and grpc-js's `call.getAuthContext()`
 * returns that certificate only when it did (`socket.authorized`): the handler decides.
 * With mTLS as the only method, the handshake itself refuses clients without a valid certificate.
 */
import { ServerCredentials } from '@grpc/grpc-js';

export interface XdsTlsMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  /** CAs a client certificate must chain to. */
  readonly clientCaPem: string;
  /** Refuse the TLS handshake without a valid client certificate. */
  readonly requireClientCertificate: boolean;
}

export class XdsTlsCredentials extends ServerCredentials {
  constructor(material: XdsTlsMaterial) {
    super(
      { requestCert: true, rejectUnauthorized: material.requireClientCertificate },
      { ca: material.clientCaPem, cert: material.certPem, key: material.keyPem },
    );
  }

  _equals(other: ServerCredentials): boolean {
    return this === other;
  }
}
