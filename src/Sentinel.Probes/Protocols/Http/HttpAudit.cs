using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// A step an exchange runs after it passed: the header audit of an http check with an <c>audit</c> and of a headers
/// check. The probe hands it to <see cref="HttpExchange"/>; declared here so that the HTTP machinery knows how to call
/// an audit without knowing what one checks.
/// </summary>
internal interface IHttpAudit
{
    /// <summary>
    /// Audits the exchange in <paramref name="run"/>, recording into its result; returns what the audit did, for the
    /// http details.
    /// </summary>
    Task<ProbeDetails> RunAsync(HttpAuditRun run, CancellationToken cancellationToken);
}

/// <summary>Everything an audit needs from the exchange it follows.</summary>
/// <param name="Check">The check.</param>
/// <param name="Section">Its http settings (request headers, TLS, version), with which the audit's own requests go out.</param>
/// <param name="Context">The probe context (clock, state store, randomness).</param>
/// <param name="Result">The result being built.</param>
/// <param name="Outcome">The exchange of the address the result describes; it passed.</param>
/// <param name="CreateLease">Makes an HTTP client pinned to that address, for the audit's own requests.</param>
internal sealed record HttpAuditRun(
    CheckDefinition Check, HttpSection Section, ProbeContext Context, ProbeResultBuilder Result, HttpAddressOutcome Outcome, Func<HttpClientLease> CreateLease);
