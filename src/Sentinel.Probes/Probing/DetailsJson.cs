using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Probes.Probing;

/// <summary>
/// The conventions of the details' JSON, as converters the folders' source-generated contexts and the details'
/// properties name: durations in milliseconds rounded to 3 decimals, addresses and endpoints as their text, enums
/// as lower-case names, phases as one object, details embedded in details through their own context.
/// </summary>
internal static class DetailsJson
{
    /// <summary>Milliseconds as every duration in the JSON is written: rounded to 3 decimals (0.1 µs is noise).</summary>
    public static double Ms(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 3);
}

/// <summary>
/// A converter of what Sentinel only writes (details and results: the results table, dashboards and people read
/// them, Sentinel does not): reading throws.
/// </summary>
/// <typeparam name="T">The converted type.</typeparam>
internal abstract class WriteOnlyJsonConverter<T> : JsonConverter<T>
{
    public sealed override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException($"{typeof(T).Name} is written as JSON, not read");
}

/// <summary>A duration as milliseconds rounded to 3 decimals (<c>"durationMs": 1.235</c>).</summary>
internal sealed class MillisecondsJsonConverter : WriteOnlyJsonConverter<TimeSpan>
{
    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(DetailsJson.Ms(value));
}

/// <summary>An IP address as its text: <c>"192.0.2.1"</c>, <c>"2001:db8::1"</c>.</summary>
internal sealed class IPAddressJsonConverter : WriteOnlyJsonConverter<IPAddress>
{
    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>An endpoint as its text: <c>"192.0.2.1:443"</c>, <c>"[2001:db8::1]:443"</c>.</summary>
internal sealed class IPEndPointJsonConverter : WriteOnlyJsonConverter<IPEndPoint>
{
    public override void Write(Utf8JsonWriter writer, IPEndPoint value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>An enum as its member's name in lower case: <c>Intermediate</c> as <c>"intermediate"</c>.</summary>
/// <typeparam name="TEnum">The enum.</typeparam>
internal sealed class LowerCaseEnumJsonConverter<TEnum>() : JsonStringEnumConverter<TEnum>(LowerCase.Policy, allowIntegerValues: false)
    where TEnum : struct, Enum
{
    private sealed class LowerCase : JsonNamingPolicy
    {
        public static readonly LowerCase Policy = new();

        public override string ConvertName(string name) => name.ToLowerInvariant();
    }
}

/// <summary>Phases as one object of milliseconds in their order: <c>{"resolve": 0.5, "connect": 1.2}</c>.</summary>
internal sealed class PhasesJsonConverter : WriteOnlyJsonConverter<IReadOnlyList<PhaseTiming>>
{
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<PhaseTiming> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var phase in value)
        {
            writer.WriteNumber(phase.Name, DetailsJson.Ms(phase.Duration));
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// Details inside details (a TLS inspection in tls and http details, an audit in http details), written through the
/// inner object's own contract, so that each folder's context describes only its own types.
/// </summary>
/// <typeparam name="TDetails">The declared type of the member.</typeparam>
internal sealed class EmbeddedDetailsJsonConverter<TDetails> : WriteOnlyJsonConverter<TDetails>
    where TDetails : ProbeDetails
{
    public override void Write(Utf8JsonWriter writer, TDetails value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, value.JsonTypeInfo);
}

/// <summary>
/// Text that is written where it applies, then also when it is null (<c>"reason": null</c>: a response without a
/// reason phrase), and left out where it does not apply (no <c>reason</c>: no response): a distinction
/// <see cref="JsonIgnoreCondition.WhenWritingNull"/> cannot make. Members of this type carry
/// <c>[JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]</c>.
/// </summary>
/// <param name="Value">The text, or null.</param>
[JsonConverter(typeof(ApplicableTextJsonConverter))]
internal readonly record struct ApplicableText(string? Value)
{
    /// <summary>Whether the member applies (false only for the default value).</summary>
    public bool Applies { get; } = true;
}

/// <summary>Writes <see cref="ApplicableText"/> as its value, a string or null.</summary>
internal sealed class ApplicableTextJsonConverter : WriteOnlyJsonConverter<ApplicableText>
{
    public override void Write(Utf8JsonWriter writer, ApplicableText value, JsonSerializerOptions options)
    {
        if (value.Value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}
