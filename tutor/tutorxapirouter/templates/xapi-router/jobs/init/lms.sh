# tutor-contrib-xapi-router: the LRS endpoints of the configuration, registered idempotently
# (running it twice leaves the same endpoints). Secrets reach lrs_endpoints through environment
# variables, never its command line.
{%- set xr = xapi_router_facts() %}
echo "xapi-router: registering LRS endpoints"
{%- if XAPI_ROUTER_IMPORT_ERB %}
# ERB's xAPI RouterConfigurations (Aspects' Ralph among them, made by Aspects' init task just
# before this one) become endpoints named erb-<host>-<hash>; a second run changes nothing.
./manage.py lms import_erb_router_configurations
{%- endif %}

# xapi_router_endpoints FIELD: that field of every endpoint, one per line.
xapi_router_endpoints() {
    ./manage.py lms lrs_endpoints list --json | python -c '
import json, sys
for line in sys.stdin:
    if line.startswith("{"):
        print(json.loads(line)[sys.argv[1]])
' "$1"
}
xapi_router_names=$(xapi_router_endpoints name)
xapi_router_has_endpoint() {
    printf '%s\n' "$xapi_router_names" | grep -qxF -- "$1"
}

{{ xapi_router_endpoint_commands(XAPI_ROUTER_ENDPOINTS) }}
{%- if xr.ralph %}

# Aspects runs Ralph: it is an endpoint, imported from Aspects' ERB RouterConfiguration above,
# or else added here with Aspects' LMS credentials.
if xapi_router_has_endpoint aspects-ralph; then
    export XAPI_ROUTER_RALPH_PASSWORD={{ RALPH_LMS_PASSWORD|xapi_router_shell_quote }}
    ./manage.py lms lrs_endpoints add aspects-ralph {{ xr.ralph_statements_url|xapi_router_shell_quote }} --update \
        --auth-type basic --username {{ RALPH_LMS_USERNAME|xapi_router_shell_quote }} --password-env XAPI_ROUTER_RALPH_PASSWORD
    unset XAPI_ROUTER_RALPH_PASSWORD
elif xapi_router_endpoints statements_url | grep -qxF -- {{ xr.ralph_statements_url|xapi_router_shell_quote }}; then
    echo "xapi-router: Aspects' Ralph is an endpoint already (imported from ERB)"
else
    export XAPI_ROUTER_RALPH_PASSWORD={{ RALPH_LMS_PASSWORD|xapi_router_shell_quote }}
    ./manage.py lms lrs_endpoints add aspects-ralph {{ xr.ralph_statements_url|xapi_router_shell_quote }} \
        --auth-type basic --username {{ RALPH_LMS_USERNAME|xapi_router_shell_quote }} --password-env XAPI_ROUTER_RALPH_PASSWORD
    unset XAPI_ROUTER_RALPH_PASSWORD
fi
{%- endif %}
./manage.py lms lrs_endpoints list
