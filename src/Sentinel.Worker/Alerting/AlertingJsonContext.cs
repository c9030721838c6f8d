using System.Text.Json.Serialization;

namespace Sentinel.Worker.Alerting;

/// <summary>The body of a webhook notification (and the <c>payload</c> column of the outbox).</summary>
internal sealed record AlertPayload
{
    /// <summary>firing, resolved or reminder.</summary>
    public required string Event { get; init; }

    /// <summary>check_failing, sentinel_blind, …</summary>
    public required string Kind { get; init; }

    /// <summary>What the alert is about: a check id, a node name, a certificate fingerprint.</summary>
    public required string Key { get; init; }

    public required string Title { get; init; }

    public required string Severity { get; init; }

    /// <summary>When the state began: the first failure of a firing alert, the first pass of a resolved one.</summary>
    public required DateTimeOffset Since { get; init; }

    public required string Subject { get; init; }

    /// <summary>The plain-text message, as the email's text part.</summary>
    public required string Text { get; init; }

    public string? Category { get; init; }

    public string? Hint { get; init; }

    public string? Link { get; init; }

    public Guid? ResultId { get; init; }

    public AlertCheck? Check { get; init; }
}

/// <summary>The check an alert is about.</summary>
internal sealed record AlertCheck(string Id, string Name, string Type, string Target);

/// <summary>Alerting's own JSON, generated at build time.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AlertPayload))]
internal sealed partial class AlertingJsonContext : JsonSerializerContext;
