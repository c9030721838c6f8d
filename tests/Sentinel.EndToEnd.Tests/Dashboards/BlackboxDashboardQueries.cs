namespace Sentinel.EndToEnd.Tests.Dashboards;

/// <summary>
/// Queries as dashboards made for blackbox_exporter write them (the blackbox-exporter mixin's panels, and grafana.com
/// dashboards such as 7587 and 13659): they pick a probe by <c>label_values(probe_success, instance)</c> (and
/// <c>job</c>), then read blackbox_exporter's names with only those labels.
/// </summary>
internal static class BlackboxDashboardQueries
{
    /// <summary>The target picker: one value per target, so that each check of a fleet can be chosen.</summary>
    public const string InstanceVariable = "probe_success";

    /// <summary>The panels' expressions; <c>$instance</c> and <c>$job</c> are the pickers' values.</summary>
    public static IReadOnlyList<string> Panels { get; } =
    [
        "count(probe_http_version)",
        "count(probe_success == 1) / count(probe_http_version)",
        "count(probe_http_ssl == 1) / count(probe_http_version)",
        "avg(probe_duration_seconds)",
        "probe_success{instance=~\"$instance\"}",
        "avg_over_time(probe_success{instance=~\"$instance\",job=~\"$job\"}[1m])",
        "probe_duration_seconds{instance=~\"$instance\"}",
        "probe_dns_lookup_time_seconds{instance=~\"$instance\"}",
        "probe_http_status_code{instance=~\"$instance\"}",
        "probe_http_ssl{instance=~\"$instance\"}",
        "probe_http_redirects{instance=~\"$instance\"}",
        "probe_http_version{instance=~\"$instance\"}",
        "probe_http_content_length{instance=~\"$instance\"}",
        "probe_tls_version_info{instance=~\"$instance\"}",
        "probe_ssl_earliest_cert_expiry{instance=~\"$instance\"} - time()",
        "(probe_ssl_earliest_cert_expiry{instance=~\"$instance\"} - time()) / 3600 / 24",
        "sum(probe_http_duration_seconds{instance=~\"$instance\"}) by (instance)",
        "sum(probe_http_duration_seconds{instance=~\"$instance\"}) by (phase)",
        "probe_ip_protocol{instance=~\"$instance\"}",
    ];
}
