using Npgsql;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Where the database is: <c>Sentinel:Database</c> (env <c>SENTINEL__DATABASE</c>, flag <c>--database</c>)
/// holds an Npgsql connection string. When it is empty, Sentinel starts its embedded cluster.
/// </summary>
internal sealed class DatabaseOptions
{
    public const string Key = "Sentinel:Database";

    /// <summary>The connection string, set after the embedded cluster starts when none was configured.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Checks a configured connection string; returns a one-line error or null.</summary>
    public static string? Validate(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return string.IsNullOrEmpty(builder.Host)
                ? "the database connection string has no Host (e.g. \"Host=db.example;Username=sentinel;Database=sentinel\")"
                : null;
        }
        catch (ArgumentException ex)
        {
            return $"the database connection string is invalid: {ex.Message}";
        }
    }
}
