namespace Sentinel.Probes.Probing;

/// <summary>
/// The stable failure categories every probe shares, with the layer each belongs to and what it means.
/// Probes give a more specific hint at the failure site; the descriptions here are what the README lists.
/// </summary>
public static class FailureCategories
{
    /// <summary>The name does not exist.</summary>
    public const string DnsNxdomain = "dns_nxdomain";

    /// <summary>The name exists but has no address of the wanted family.</summary>
    public const string DnsNoAddress = "dns_no_address";

    /// <summary>The resolver failed to answer (SERVFAIL).</summary>
    public const string DnsServfail = "dns_servfail";

    /// <summary>The resolver refused the query.</summary>
    public const string DnsRefused = "dns_refused";

    /// <summary>The server answered with an rcode other than NOERROR, NXDOMAIN, SERVFAIL or REFUSED that the check does not accept (FORMERR, NOTIMP, NOTAUTH, ...).</summary>
    public const string DnsRcode = "dns_rcode";

    /// <summary>No answer from the resolver in time.</summary>
    public const string DnsTimeout = "dns_timeout";

    /// <summary>The UDP answer was truncated and the check does not allow TCP.</summary>
    public const string DnsTruncated = "dns_truncated";

    /// <summary>The server's reply is not a valid DNS message for the query.</summary>
    public const string DnsMalformed = "dns_malformed";

    /// <summary>The answer did not meet the check's expectations.</summary>
    public const string DnsUnexpectedAnswer = "dns_unexpected_answer";

    /// <summary>The answer set differs from the check's accepted baseline.</summary>
    public const string DnsDrift = "dns_drift";

    /// <summary>The check's servers returned different answer sets.</summary>
    public const string DnsDisagreement = "dns_disagreement";

    /// <summary>The target answered the connection attempt with a reset.</summary>
    public const string TcpRefused = "tcp_refused";

    /// <summary>No answer to the connection attempt in time.</summary>
    public const string TcpTimeout = "tcp_timeout";

    /// <summary>Another connection-level error.</summary>
    public const string TcpFailed = "tcp_failed";

    /// <summary>No route to the target.</summary>
    public const string NetworkUnreachable = "network_unreachable";

    /// <summary>No echo reply from the target to any request.</summary>
    public const string IcmpTimeout = "icmp_timeout";

    /// <summary>A router answered the echo requests instead of the target: unreachable, or the TTL ran out.</summary>
    public const string IcmpUnreachable = "icmp_unreachable";

    /// <summary>Probes to the destination were lost, and the loss starts at a hop and carries on to the destination.</summary>
    public const string PathLoss = "path_loss";

    /// <summary>The destination never answered; the path stops after the last hop that did.</summary>
    public const string PathUnreachable = "path_unreachable";

    /// <summary>Sentinel may not open the raw ICMP socket the icmp and path probes need.</summary>
    public const string PathPermissionDenied = "path_permission_denied";
    /// <summary>A certificate of the chain has expired.</summary>
    public const string TlsExpired = "tls_expired";

    /// <summary>A certificate of the chain is not valid yet.</summary>
    public const string TlsNotYetValid = "tls_not_yet_valid";

    /// <summary>A certificate of the chain expires within the check's threshold (a warning).</summary>
    public const string TlsExpiring = "tls_expiring";

    /// <summary>The certificate does not name the host.</summary>
    public const string TlsHostnameMismatch = "tls_hostname_mismatch";

    /// <summary>The chain ends at a root that is not trusted.</summary>
    public const string TlsUntrustedRoot = "tls_untrusted_root";

    /// <summary>The server's certificate is self-signed and not trusted.</summary>
    public const string TlsSelfSigned = "tls_self_signed";

    /// <summary>The chain builds only with intermediates the server did not send.</summary>
    public const string TlsIncompleteChain = "tls_incomplete_chain";

    /// <summary>The chain does not validate for another reason (signature, constraints, critical extension).</summary>
    public const string TlsInvalidChain = "tls_invalid_chain";

    /// <summary>A certificate below the root is signed with SHA-1 or MD5.</summary>
    public const string TlsWeakSignature = "tls_weak_signature";

    /// <summary>A certificate has an RSA key below 2048 bits or an EC key below 256 bits.</summary>
    public const string TlsWeakKey = "tls_weak_key";

    /// <summary>An automatically renewed certificate was not renewed when due (a warning).</summary>
    public const string TlsRenewalOverdue = "tls_renewal_overdue";

    /// <summary>The TLS handshake failed.</summary>
    public const string TlsHandshakeFailed = "tls_handshake_failed";

    /// <summary>No TLS handshake (or STARTTLS exchange) before the deadline.</summary>
    public const string TlsTimeout = "tls_timeout";

    /// <summary>The server did not upgrade the connection with STARTTLS.</summary>
    public const string TlsStartTlsFailed = "tls_starttls_failed";

    /// <summary>The response's status is not one the check expects.</summary>
    public const string HttpStatus = "http_status";

    /// <summary>The deadline hit while sending the request, waiting for the response or reading its body.</summary>
    public const string HttpTimeout = "http_timeout";

    /// <summary>More redirects than the check allows, or a redirect loop.</summary>
    public const string HttpTooManyRedirects = "http_too_many_redirects";

    /// <summary>The body does not match (or matches a forbidden) pattern.</summary>
    public const string HttpBodyMismatch = "http_body_mismatch";

    /// <summary>A response header is missing, or does not match (or matches a forbidden) pattern.</summary>
    public const string HttpHeaderMismatch = "http_header_mismatch";

    /// <summary>The body is larger than the check's cap.</summary>
    public const string HttpBodyTooLarge = "http_body_too_large";

    /// <summary>The response is not valid HTTP.</summary>
    public const string HttpProtocolError = "http_protocol_error";

    /// <summary>The connection ended before the response was complete.</summary>
    public const string HttpResponseIncomplete = "http_response_incomplete";

    /// <summary>The check's proxy refused or failed the tunnel.</summary>
    public const string HttpProxyError = "http_proxy_error";

    /// <summary>A header audit finding at or above the check's failOn severity (or a warning finding below it).</summary>
    public const string AuditFinding = "audit_finding";

    /// <summary>An assertion on a measurement did not hold.</summary>
    public const string AssertionFailed = "assertion_failed";

    /// <summary>A fault on Sentinel's own side; the result is unknown, not down.</summary>
    public const string ProbeError = "probe_error";

    /// <summary>Every category with its layer and meaning, in the order the README documents them.</summary>
    public static IReadOnlyList<FailureCategory> All { get; } =
    [
        new(DnsNxdomain, Layers.Dns, "The name does not exist (NXDOMAIN).", "Check the name for typos and that the record is published in the zone the resolver sees."),
        new(DnsNoAddress, Layers.Dns, "The name exists but has no address of the wanted family (no A or AAAA record).", "Publish the A/AAAA record, or set ipVersion to the family the target has."),
        new(DnsServfail, Layers.Dns, "The resolver could not answer (SERVFAIL or a temporary resolver failure).", "The zone's authoritative servers may be down or DNSSEC validation failing; query them directly with dig."),
        new(DnsRefused, Layers.Dns, "The resolver refused the query (REFUSED).", "The resolver does not serve this client or zone; check its access rules or use another resolver."),
        new(DnsRcode, Layers.Dns, "The server answered another error rcode: FORMERR (it could not parse the query), NOTIMP (it does not implement it), NOTAUTH (not authoritative), or one that belongs to updates.", "The message's hint says what the rcode usually means; FORMERR often means the server does not understand EDNS0: try ednsBufferSize 512."),
        new(DnsTimeout, Layers.Dns, "No answer from the resolver before the deadline.", "Check that the resolver is reachable from this node (UDP and TCP port 53) and not overloaded."),
        new(DnsTruncated, Layers.Dns, "The UDP answer did not fit and came back truncated (TC flag set), and the check does not allow TCP.", "Allow TCP (tcpFallback, the default) or raise ednsBufferSize; a server must also answer over TCP port 53 (RFC 7766)."),
        new(DnsMalformed, Layers.Dns, "The server's reply is not a valid DNS answer to the query: unparsable, cut short, missing (a TCP connection closed without one), or with another id.", "Capture the exchange (tcpdump port 53) and compare with dig; a middlebox may be rewriting DNS."),
        new(DnsUnexpectedAnswer, Layers.Dns, "The answer does not meet the check's expectations: its rcode, the expected records, a regular expression rule or the minimum TTL.", "Compare the records in the message with the zone: either the zone changed or the check's expectations need updating."),
        new(DnsDrift, Layers.Dns, "The answer set differs from the check's accepted baseline (records added or removed; TTL changes and order do not count).", "If the change is intended, accept it with `sentinel dns accept CHECK_ID`; otherwise find out who changed the zone."),
        new(DnsDisagreement, Layers.Dns, "The check's servers returned different answer sets (split horizon, propagation delay, a stale secondary).", "Compare the servers' SOA serials and views: a lagging secondary or a split-horizon view is the usual cause."),
        new(TcpRefused, Layers.Tcp, "The target answered the connection attempt with a reset: nothing listens on that port. A DNS server that refuses TCP is one too (a dns check's, or a check's resolver asked over TCP after a truncated answer); the message names it.", "Is the service running, listening on this port and bound to this address (not only 127.0.0.1)?"),
        new(TcpTimeout, Layers.Tcp, "No answer to the connection attempt before the deadline.", "A firewall may be dropping packets to the port, or the host is down or overloaded."),
        new(TcpFailed, Layers.Tcp, "The connection failed for another reason (reset during connect, protocol error).", "Read the message for the socket error and compare with a manual connection (nc, curl)."),
        new(NetworkUnreachable, Layers.Tcp, "There is no route from this node to the target's address.", "Check this node's routes, VPN or IPv6 connectivity, and any local firewall rules."),
        new(IcmpTimeout, Layers.Icmp, "No echo reply from the target to any of the run's echo requests.", "The host may be down, or a firewall drops ICMP echo on the way or at the host; try a path check to see where the answers stop."),
        new(IcmpUnreachable, Layers.Icmp, "A router answered instead of the target: destination unreachable (no route, host down, administratively prohibited) or the TTL ran out (a routing loop).", "The message names the router and its reason; check routes and firewalls at that router."),
        new(PathLoss, Layers.Path, "Probes to the destination were lost; the loss starts at the named hop and carries on to the destination, so it is real loss, not ICMP rate limiting.", "Look at the link into the named hop and at the hop before it (errors, congestion, a policer), or hand the report to whoever runs that hop."),
        new(PathUnreachable, Layers.Path, "The destination never answered; the path stops after the named last hop that did.", "The next hop after the named one drops the probes or has no route: check its routes and firewall, and whether the destination answers ICMP at all."),
        new(PathPermissionDenied, Layers.Probe, "Sentinel may not open a raw ICMP socket (the icmp and path probes need one). A fault on Sentinel's side: the result is unknown, not down.", "Give Sentinel CAP_NET_RAW: AmbientCapabilities=CAP_NET_RAW in its systemd unit, --cap-add NET_RAW in a container, or setcap cap_net_raw+ep on the executable."),
        new(TlsHandshakeFailed, Layers.Tls, "The TLS handshake failed; the message names the alert the server sent or the reason (no common version, a client certificate required, not TLS on this port).", "Compare with openssl s_client -connect host:port -servername name; the hint names the likely cause."),
        new(TlsTimeout, Layers.Tls, "The server accepted the connection but did not complete the TLS handshake (or the STARTTLS exchange) before the deadline.", "Is the port speaking TLS (or does it need STARTTLS)? Is the server overloaded?"),
        new(TlsStartTlsFailed, Layers.Tls, "The server did not upgrade the connection with STARTTLS: it does not offer it, refused it, or does not speak the expected protocol.", "Check the starttls protocol and port (SMTP submission is 587, IMAP 143, POP3 110), and that the server offers STARTTLS."),
        new(TlsExpired, Layers.Tls, "A certificate of the chain (leaf, intermediate or root) has expired; the certificate is still inspected and its details reported.", "Renew the certificate (or install the current intermediate) and reload the server."),
        new(TlsNotYetValid, Layers.Tls, "A certificate of the chain is not valid yet (its notBefore is in the future).", "The certificate was issued with a future start date, or this node's clock is behind: compare with NTP."),
        new(TlsHostnameMismatch, Layers.Tls, "The certificate's subject alternative names do not cover the host (RFC 6125: wildcards only as the whole left-most label, over at least two labels and no public suffix; IP SANs for IP targets).", "Serve a certificate that names the host, or set serverName to a name the certificate covers."),
        new(TlsSelfSigned, Layers.Tls, "The server's certificate is self-signed and not in the trusted CAs.", "Use a certificate from a trusted CA, or add this certificate to the check's caFile if it is pinned on purpose."),
        new(TlsUntrustedRoot, Layers.Tls, "The chain ends at a root that is not trusted (not in the check's caFile, or not in the system trust store), or at a certificate whose issuer is unknown with nothing showing that an intermediate is missing; also when caFile holds only an intermediate, which cannot anchor trust.", "For a private CA, add its root to the check's caFile; otherwise the server uses a CA clients do not trust."),
        new(TlsIncompleteChain, Layers.Tls, "The server does not send the intermediate certificates its chain needs; the chain builds only with intermediates from elsewhere, or not at all.", "Configure the full chain file (the leaf followed by its intermediates) on the server; browsers that have not cached the intermediate fail."),
        new(TlsInvalidChain, Layers.Tls, "The chain does not validate for another reason: a certificate not meant for TLS servers (extended key usage without serverAuth), a signature that does not verify, a CA not allowed to sign, a name constraint, an unknown critical extension, or a chain this node's verifier cannot process at all.", "Inspect the chain with openssl verify -show_chain; the message names the certificate and the flags."),
        new(TlsWeakSignature, Layers.Tls, "A certificate below the root is signed with SHA-1 or MD5, which browsers and OpenSSL reject.", "Reissue the certificate (or install the CA's current intermediate) with a SHA-256 signature."),
        new(TlsWeakKey, Layers.Tls, "A certificate has an RSA or DSA key below 2048 bits or an EC key below 256 bits.", "Reissue the certificate with an RSA 2048+ or ECDSA P-256+ key."),
        new(TlsExpiring, Layers.Tls, "A certificate of the chain expires within the check's threshold (tls.expiryThreshold, default 14 days). A warning: the result is degraded.", "Renew the certificate now; if it renews automatically, check why it has not yet."),
        new(TlsRenewalOverdue, Layers.Tls, "An automatically renewed certificate (lifetime at most 90 days) is unchanged a grace period (5 % of its lifetime, 2 days to a sixth of it) after a third of its life was left, and a previous run already saw it past that point. A warning, weeks before expiry.", "The renewal job (certbot, cert-manager, an ACME client) has probably stopped: check its logs and timers."),
        new(HttpStatus, Layers.Http, "The response's status is not one the check expects (expectStatus; by default any 2xx). The message names the status, the URL and what was expected.", "Look at the target's logs for this URL; after redirects, the status is the last response's."),
        new(HttpTimeout, Layers.Http, "The deadline hit after the connection was made: while sending the request, waiting for the first byte of the response (processing) or reading the body (transfer). The message names the phase.", "Waiting for the first byte: the application is slow or stuck. Reading the body: the body is large or trickles; raise the timeout or look at the server."),
        new(HttpTooManyRedirects, Layers.Http, "The response redirected more times than maxRedirects allows, or back to a URL already visited (a loop).", "Follow the chain with curl -IL; fix the redirect rules (a loop often comes from http/https or www/apex rules that undo each other)."),
        new(HttpBodyMismatch, Layers.Http, "The (decoded) body does not match a bodyMatches pattern, or matches a bodyNotMatches pattern.", "Fetch the URL and compare the body with the pattern; an error page with status 200 is a common cause."),
        new(HttpHeaderMismatch, Layers.Http, "A response header of headerMatches is missing or does not match, or a header matches a headerNotMatches pattern.", "Compare the response headers (curl -I) with the check; a proxy or CDN in front may add or strip them."),
        new(HttpBodyTooLarge, Layers.Http, "The body, as transferred or once decoded, is larger than maxBodyBytes; reading stopped there.", "Raise maxBodyBytes if the size is expected; otherwise the endpoint returns far more than it should (or a compression bomb)."),
        new(HttpProtocolError, Layers.Http, "The response is not valid HTTP: a malformed status line or header, headers over 64 KiB, broken chunked framing or content encoding, an HTTP/2 protocol error.", "Capture the raw response (curl -v --raw, or openssl s_client) and fix the server or the proxy in front of it."),
        new(HttpResponseIncomplete, Layers.Http, "The connection ended (closed or reset) before the response was complete: before the status line, or in the middle of the body.", "The server or a proxy in front of it closed the connection: look for crashes, restarts or idle timeouts in their logs."),
        new(HttpProxyError, Layers.Http, "The check's proxy refused the CONNECT tunnel to the target, needs credentials, or did not answer as an HTTP proxy.", "Check the proxy's rules for this destination and port, and that proxy names an HTTP proxy."),
        new(AuditFinding, Layers.Audit, "The header audit (a headers check, or the audit of an http check) found a finding at or above the check's failOn severity (default critical), which fails the check; warning findings below failOn make the result degraded. The message names the findings; each is listed with its evidence and hint.", "Read the findings: each names the header value seen and what to change. Raise failOn or set the id's severity if the finding is accepted."),
        new(AssertionFailed, Layers.Assertion, "An assertion on a measurement did not hold; the message names the measurement, the bound and the value seen.", "Compare the value with the bound: either the target regressed or the bound needs adjusting."),
        new(ProbeError, Layers.Probe, "A fault on Sentinel's own side (local resolver unreachable, no socket permission, out of file descriptors, the node too busy to finish in time). The result is unknown, not down, and pages nobody.", "Look at this Sentinel node: its logs, load and limits. The target may be fine."),
    ];

    /// <summary>Looks up a category by name.</summary>
    public static FailureCategory? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}

/// <summary>A documented failure category.</summary>
/// <param name="Name">The stable name, e.g. <c>tcp_refused</c>.</param>
/// <param name="Layer">The layer it belongs to.</param>
/// <param name="Description">What it means.</param>
/// <param name="Hint">The generic hint; probes give a more specific one where they can.</param>
public sealed record FailureCategory(string Name, string Layer, string Description, string Hint);

/// <summary>The layers a problem can belong to.</summary>
public static class Layers
{
    /// <summary>Name resolution.</summary>
    public const string Dns = "dns";

    /// <summary>Connection establishment.</summary>
    public const string Tcp = "tcp";

    /// <summary>The TLS handshake and certificates.</summary>
    public const string Tls = "tls";

    /// <summary>The HTTP exchange.</summary>
    public const string Http = "http";

    /// <summary>ICMP echo to the target.</summary>
    public const string Icmp = "icmp";

    /// <summary>The hops on the way to the target.</summary>
    public const string Path = "path";

    /// <summary>The header audit's verdict (HSTS, CORS, security headers).</summary>
    public const string Audit = "audit";

    /// <summary>A check's own assertions.</summary>
    public const string Assertion = "assertion";

    /// <summary>Sentinel itself.</summary>
    public const string Probe = "probe";
}
