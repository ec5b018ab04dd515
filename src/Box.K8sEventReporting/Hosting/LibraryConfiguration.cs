using Microsoft.Extensions.Configuration;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// The library's configuration section given to <c>AddK8sEventReporting</c>, registered once (a second call does not bind
/// twice), so that companion packages bind their own subsection (for example <c>Admission</c>) from the same place.
/// </summary>
/// <param name="Section">The section, for example <c>K8sEventReporting</c>.</param>
internal sealed record LibraryConfiguration(IConfiguration Section);
