using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sentinel.Worker.Hosting;

/// <summary>
/// How every <c>*Options</c> type is read: bound from its section once, validated by its source-generated
/// validator (<c>Hosting/OptionsValidators.cs</c>) at once, and only then used. The composition decides with the
/// same instance that the services later receive as <see cref="IOptions{TOptions}"/>, so no decision is taken on
/// a copy that was never validated. The configuration does not reload, so one instance is all there is.
/// </summary>
internal static class ValidatedOptions
{
    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="section"/> and validates it.</summary>
    /// <exception cref="OptionsValidationException">A setting is out of bounds; each failure names its setting.</exception>
    /// <exception cref="InvalidOperationException">A value cannot be converted to its setting's type.</exception>
    public static TOptions Bind<TOptions, TValidator>(IConfiguration configuration, string section)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = new TOptions();
        configuration.GetSection(section).Bind(options);
        var result = new TValidator().Validate(section, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(TOptions), result.Failures) : options;
    }

    /// <summary>
    /// Binds and validates <typeparamref name="TOptions"/> (<see cref="Bind{TOptions, TValidator}"/>), registers it as
    /// <see cref="IOptions{TOptions}"/>, and returns it for the composition's own decisions.
    /// </summary>
    public static TOptions AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = Bind<TOptions, TValidator>(configuration, section);
        services.AddSingleton(Options.Create(options));
        return options;
    }
}
