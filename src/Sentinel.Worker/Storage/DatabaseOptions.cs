using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Where the database is: <c>Sentinel:Database</c> (env <c>SENTINEL__DATABASE</c>, flag <c>--database</c>) holds an
/// Npgsql connection string. When it is empty, Sentinel uses its embedded cluster (<see cref="EmbeddedPostgresOptions"/>).
/// The setting is a plain value under <c>Sentinel</c> rather than a section of its own, so this type binds from
/// <see cref="Section"/> and names its one key.
/// </summary>
internal sealed class DatabaseOptions : IValidatableObject
{
    /// <summary>The section this type binds from: its key, <c>Database</c>, sits directly under it.</summary>
    public const string Section = "Sentinel";

    /// <summary>The full key of the connection string, as flags and environment variables set it.</summary>
    public const string Key = Section + ":" + ConnectionStringKey;

    private const string ConnectionStringKey = "Database";

    /// <summary>The configured connection string. Default empty: the embedded cluster.</summary>
    [ConfigurationKeyName(ConnectionStringKey)]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Whether a server is configured; otherwise Sentinel uses its embedded cluster.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>A configured connection string must parse and name a host; the message says so in one line.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            yield break;
        }

        string? error;
        try
        {
            error = string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(ConnectionString).Host)
                ? "the database connection string has no Host (e.g. \"Host=db.example;Username=sentinel;Database=sentinel\")"
                : null;
        }
        catch (ArgumentException ex)
        {
            error = $"the database connection string is invalid: {ex.Message}";
        }

        if (error is not null)
        {
            yield return new ValidationResult(error);
        }
    }
}
