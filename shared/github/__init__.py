"""GitHub access for the Policy Enforcer: one gateway over PyGithub, typed errors, an ETag cache in the app DB."""
from shared.github.errors import (
                                  GitHubAuthError,
                                  GitHubError,
                                  GitHubForbidden,
                                  GitHubIssuesDisabled,
                                  GitHubNotFound,
                                  GitHubRateLimited,
                                  GitHubUnavailable,
                                  GitHubValidationFailed,
)
from shared.github.gateway import GitHubGateway, build_github, gateway_from_settings
from shared.github.transport import GatewayOptions, RateLimitInfo

__all__ = ["GitHubAuthError", "GitHubError", "GitHubForbidden", "GitHubIssuesDisabled", "GitHubNotFound",
           "GitHubRateLimited", "GitHubUnavailable", "GitHubValidationFailed", "GitHubGateway", "GatewayOptions",
           "RateLimitInfo", "build_github", "gateway_from_settings"]
