using System.Text.Json.Serialization.Metadata;

namespace Sentinel.Probes.Probing;

/// <summary>
/// What a probe saw beyond the common result fields: the address connected to, the certificate chain, the
/// hops of a path. Each probe type derives its own, and decides how it appears in JSON (stored with the
/// result and printed by <c>sentinel probe --json</c>) and in the readable report.
/// </summary>
/// <remarks>
/// The JSON is the details object itself, serialized with System.Text.Json from metadata that its folder's
/// source-generated context made (<c>TcpJsonContext</c>, <c>DnsJsonContext</c>, …): the public properties are the
/// members, in declaration order; converters and attributes keep the format (<see cref="DetailsJson"/>). Through
/// <see cref="JsonTypeInfo"/> the result's JSON writes any details without knowing their type. The generator also
/// describes the parameters of a public constructor (for reading); details, and the small <c>*Json</c> views of what
/// they saw, whose constructors take the probe's own objects (certificates, responses) keep them internal, so that
/// the contract is the properties alone.
/// </remarks>
public abstract class ProbeDetails
{
    /// <summary>The source-generated contract of the concrete type, from its folder's context.</summary>
    internal abstract JsonTypeInfo JsonTypeInfo { get; }

    /// <summary>Writes the probe-specific part of the readable report, indented lines.</summary>
    public abstract void WriteReport(TextWriter writer);
}
