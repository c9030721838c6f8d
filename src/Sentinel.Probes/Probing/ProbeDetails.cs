using System.Text.Json;

namespace Sentinel.Probes.Probing;

/// <summary>
/// What a probe saw beyond the common result fields: the address connected to, the certificate chain, the
/// hops of a path. Each probe type derives its own, and decides how it appears in JSON (stored with the
/// result and printed by <c>sentinel probe --json</c>) and in the readable report.
/// </summary>
public abstract class ProbeDetails
{
    /// <summary>Writes the details as one JSON object.</summary>
    public abstract void WriteJson(Utf8JsonWriter writer);

    /// <summary>Writes the probe-specific part of the readable report, indented lines.</summary>
    public abstract void WriteReport(TextWriter writer);
}
