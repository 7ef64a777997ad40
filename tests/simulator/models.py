"""Render the estate as the API's response models (the spec's schemas, enums only from the spec)."""

from .state import clock_time, job_time, raw_time, rfc3339

SCOPE_ALL = {"Id": "00000000-0000-0000-0000-000000000000", "Uid": 0, "Name": "All", "Description": "All objects",
             "IsBuiltIn": True, "IsAllScope": True, "IsTenantScope": False, "TenantId": None, "TenantName": None}


def ref(obj):
    """RefResponseModel of a catalog or delivery group."""
    return {"Id": obj.id, "Uid": obj.uid, "Name": obj.name}


def summary_state(machine, power, registration):
    """SummaryState derived from power, registration and sessions."""
    if power in ("Off", "Suspended", "TurningOff", "Suspending"):
        return "Off"
    if registration != "Registered":
        return "Unregistered"
    if any(session.state != "Disconnected" for session in machine.sessions):
        return "InUse"
    if machine.sessions:
        return "Disconnected"
    return "Available"


def machine_model(machine, now, detail=True):
    """MachineResponseModel (MachineDetailResponseModel with ``detail``)."""
    power, registration, pending = machine.current(now)
    first = machine.sessions[0] if machine.sessions else None
    deregistered = machine.last_deregistration
    catalog = machine.catalog
    body = {
        "Id": machine.id, "Uid": machine.uid, "Name": machine.name,
        "MachineCatalog": ref(catalog),
        "DeliveryGroup": ref(machine.delivery_group) if machine.delivery_group else None,
        "Zone": machine.site.zone,
        "AgentVersion": machine.agent_version,
        "AllocationType": catalog.allocation_type,
        "ApplicationsInUse": [], "AssociatedUsers": [],
        "AssignedUsers": [{"Name": user, "SamName": user, "DisplayName": user, "PropertiesFetched": 0}
                          for user in machine.assigned_users],
        "ControllerDnsName": "ddc-%s.cloud.example" % machine.site.name.lower() if registration == "Registered" else None,
        "DeliveryType": "DesktopsOnly" if catalog.session_support == "SingleSession" else "DesktopsAndApps",
        "Description": None,
        "DnsName": machine.dns_name,
        "FunctionalLevel": "L7_20",
        "InMaintenanceMode": machine.in_maintenance,
        "MaintenanceModeReason": machine.maintenance_mode_reason,
        "DrainingUntilShutdown": False,
        "IPAddress": machine.ip_address,
        "IsAssigned": False,
        "MachineType": "Virtual",
        "LastDeregistrationReason": machine.last_deregistration_reason,
        "LastDeregistrationTime": raw_time(deregistered) if deregistered else None,
        "FormattedLastDeregistrationTime": rfc3339(deregistered) if deregistered else None,
        "LoadIndex": min(10000, 2500 * len(machine.sessions)) if catalog.session_support == "MultiSession" else None,
        "OSType": machine.os_type,
        "PersistUserChanges": "Discard",
        "PowerActionPending": pending,
        "PowerState": power,
        "ProvisioningType": catalog.provisioning_type,
        "PublishedName": None,
        "RegistrationState": registration,
        "ScheduledReboot": "None",
        "SessionCount": len(machine.sessions),
        "SessionState": first.state if first else None,
        "SessionUserName": first.user if first else None,
        "SessionStartTime": raw_time(first.started) if first else None,
        "FormattedSessionStartTime": rfc3339(first.started) if first else None,
        "SessionSupport": catalog.session_support,
        "Sid": machine.sid,
        "SummaryState": summary_state(machine, power, registration),
        "WillShutdownAfterUse": False,
        "WindowsConnectionSetting": "LogonEnabled",
        "SupportedPowerActions": list(machine.supported_power_actions),
        "FaultState": "Unregistered" if power == "On" and registration != "Registered" and not pending else "None",
        "Tags": [tag.name for tag in machine.tags],
        "MachineConfigurationOutOfSync": False,
    }
    if detail:
        body.update({
            "IsReserved": False,
            "SessionsEstablished": sum(1 for session in machine.sessions if session.state != "Connected"),
            "SessionsPending": sum(1 for session in machine.sessions if session.state == "Connected"),
            "SecureIcaRequired": False,
            "FailureReason": machine.failure_reason,
            "LoadIndexes": [],
        })
    return body


def session_model(machine, session, now):
    """SessionResponseModel, with the full machine model the spec requires."""
    return {
        "Id": session.id, "Uid": session.uid,
        "ApplicationsInUse": [],
        "AppState": "Active" if session.session_type == "Application" else "Desktop",
        "AppStateLastChangeTime": raw_time(session.state_changed),
        "FormattedAppStateLastChangeTime": rfc3339(session.state_changed),
        "Brokering": {"AutonomouslyBrokered": False, "DurationMilliseconds": None, "Time": None, "UserName": None,
                      "UserSid": None},
        "Client": {"Name": "CLIENT-%04d" % (session.uid % 10000), "IPAddress": "192.168.1.%d" % (session.uid % 250 + 2),
                   "Platform": "Windows", "Version": "23.11.0.1", "ReceiverName": None, "ReceiverIPAddress": None},
        "Connection": {"ConnectedViaHostName": None, "ConnectedViaIP": "10.0.16.11", "ConnectionMode": "Brokered",
                       "LaunchedViaHostName": None, "LaunchedViaIP": "52.151.217.206", "Protocol": "Hdx",
                       "SecureIcaActive": False, "SmartAccessTags": []},
        "IsAnonymousUser": False, "IsHidden": session.hidden, "LogoffInProgress": False, "LogonInProgress": False,
        "Machine": machine_model(machine, now, detail=False),
        "SessionType": session.session_type,
        "StartTime": raw_time(session.started), "FormattedStartTime": rfc3339(session.started),
        "State": session.state,
        "StateChangeTime": raw_time(session.state_changed), "FormattedStateChangeTime": rfc3339(session.state_changed),
        "UntrustedUserName": None,
        "User": {"DisplayName": session.user.rpartition("\\")[2], "PropertiesFetched": 0,
                 "SamName": session.user, "Domain": session.user.rpartition("\\")[0] or None},
    }


def catalog_model(catalog, detail=False):
    """MachineCatalogResponseModel (MachineCatalogDetailResponseModel with ``detail``)."""
    machines = catalog.machines
    used = sum(1 for machine in machines if machine.delivery_group is not None)
    body = {
        "Id": catalog.id, "Uid": catalog.uid, "Name": catalog.name, "FullName": catalog.full_name,
        "AdminFolder": {"Id": None, "Uid": 0, "Name": catalog.folder.replace("|", "\\") + "\\"} if catalog.folder else None,
        "AllocationType": catalog.allocation_type, "AssignedCount": 0,
        "AvailableAssignedCount": 0, "AvailableCount": len(machines) - used, "AvailableUnassignedCount": len(machines) - used,
        "Description": catalog.description, "IsPowerManaged": catalog.is_power_managed, "IsRemotePC": False,
        "JobsInProgress": [], "MachineType": "Virtual", "Metadata": [], "MinimumFunctionalLevel": "L7_20",
        "HasBeenPromoted": False, "CanRollbackVMImage": False, "CanRecreateCatalog": True,
        "PersistChanges": catalog.persist_changes, "ProvisioningType": catalog.provisioning_type,
        "SessionSupport": catalog.session_support, "SharingKind": "Shared" if catalog.allocation_type == "Random" else "Private",
        "TotalCount": len(machines), "IsBroken": False, "Errors": [], "Warnings": [],
        "UnassignedCount": len(machines), "UsedCount": used,
        "Zone": catalog.site.zone, "Scopes": [SCOPE_ALL], "Tenants": [],
    }
    if detail:
        groups = {}
        for machine in machines:
            group = machine.delivery_group
            if group is not None:
                entry = groups.setdefault(group.id, dict(ref(group), NumAssigned=0, Total=0))
                entry["Total"] += 1
        body["DeliveryGroups"] = list(groups.values())
    return body


def delivery_group_model(group, now, detail=False):
    """DeliveryGroupResponseModel (DeliveryGroupDetailResponseModel with ``detail``)."""
    states = [(machine, machine.current(now)) for machine in group.machines]
    summaries = [summary_state(machine, state[0], state[1]) for machine, state in states]
    body = {
        "Id": group.id, "Uid": group.uid, "Name": group.name, "FullName": group.name, "PublishedName": group.name,
        "Description": group.description, "UserManagement": "Studio",
        "Delivering": group.delivery_type, "DeliveryType": group.delivery_type,
        "DesktopsAvailable": summaries.count("Available"), "DesktopsDisconnected": summaries.count("Disconnected"),
        "DesktopsFaulted": 0, "DesktopsUnregistered": summaries.count("Unregistered"),
        "Enabled": True, "HasBeenPromoted": False, "InMaintenanceMode": False, "IsBroken": False, "IsRemotePC": False,
        "MinimumFunctionalLevel": "L7_20", "RequireUserHomeZone": False, "Scopes": [SCOPE_ALL], "Tenants": [],
        "SessionCount": sum(len(machine.sessions) for machine in group.machines),
        "SessionSupport": group.session_support, "SharingKind": "Shared",
        "TotalApplications": 0, "TotalDesktops": 1,
        "ApplicationGroupCompatibility": "Compatible", "ApplicationCompatibility": "Compatible",
        "DesktopCompatibility": "Compatible", "Metadata": [], "AdminFolder": None,
    }
    if detail:
        body.update({
            "DesktopsInUse": summaries.count("InUse"), "DesktopsNeverRegistered": 0, "DesktopsPreparing": 0,
            "MachineOperatingSystems": [], "MachineType": "Virtual",
            "MachinesInMaintenanceMode": sum(1 for machine in group.machines if machine.in_maintenance),
            "OffMachines": summaries.count("Off"),
            "RegisteredMachines": sum(1 for _machine, state in states if state[1] == "Registered"),
            "SecureIcaRequired": False, "TotalApplicationGroups": 0, "TotalMachines": len(group.machines),
        })
    return body


def job_model(job, now):
    """JobResponseModel."""
    status, progress, started, ended = job.evaluate(now)
    error_code, error_string = job.error if job.error and status == "Failed" else (None, None)
    error_parameters = []
    if error_string:
        error_parameters = [{"Name": "ErrorDetails", "Value": "ErrorMessage : %s\nErrorCode : %s" % (error_string, error_code)}]
    return {
        "Id": job.id, "Type": job.type, "OverallProgressPercent": progress,
        "IsCancellable": job.is_cancellable(now), "Parameters": job.parameters,
        "SubJobs": [job_model(sub_job, now) for sub_job in job.sub_jobs],
        "Status": status,
        "ResultLocation": job.result_location if status in ("Complete", "CompleteWithWarning") else None,
        "ErrorString": error_string, "ErrorCode": error_code, "ErrorParameters": error_parameters,
        "CreationTime": job_time(job.created), "FormattedCreationTime": rfc3339(job.created),
        "StartTime": job_time(started) if started else None, "FormattedStartTime": rfc3339(started) if started else None,
        "EndTime": job_time(ended) if ended else None, "FormattedEndTime": rfc3339(ended) if ended else None,
    }


def tag_model(tag, num_machines, detail=False):
    """TagResponseModel (TagDetailResponseModel with ``detail``); ``num_machines`` within the query's context."""
    body = {
        "Id": tag.id, "Uid": tag.uid, "Name": tag.name, "Description": tag.description, "IsUsedByGpo": False,
        "NumMachines": num_machines, "NumApplications": 0, "NumApplicationGroups": 0, "NumMachineCatalogs": 0,
        "NumDeliveryGroups": 0, "NumAutoscale": 0, "NumUnknownObjects": 0, "ScopeReferences": [],
    }
    if detail:
        body.update({"RestrictedDesktops": [], "RestrictedApplicationGroups": [], "RestrictedDeliveryGroups": [],
                     "RestrictedRebootSchedules": [], "RestrictedAutoscale": [], "NumUnknownRestrictedObjects": 0})
    return body


def me_model(estate, client, token_expiry):
    """MeResponseModel for the API client that owns the token."""
    return {
        "UserId": client["client_id"],
        "DisplayName": client.get("display_name", estate.display_name),
        "ExpiryTime": clock_time(token_expiry),
        "RefreshExpirationTime": clock_time(token_expiry + 11 * 3600),
        "VerifiedEmail": client.get("email"),
        "IsCspCustomer": estate.is_csp,
        "Customers": [{"Id": estate.customer_id, "Name": estate.customer_name,
                       "Sites": [{"Id": site.id, "Name": site.name} for site in estate.sites]}],
    }


# What a Citrix Cloud site reports about itself (the licence and licence-server members are null in the cloud).
CLOUD_PRODUCT_VERSION = "7.41"
ORCHESTRATION_API_VERSION = 124


def site_model(site):
    """SiteResponseModel (an item of GET /Sites)."""
    return {"Id": site.id, "Name": site.name}


def site_detail_model(site):
    """SiteDetailResponseModel (GET /Sites/{nameOrId})."""
    return dict(site_model(site), **{
        "OrchestationApiVersion": ORCHESTRATION_API_VERSION,  # the spec's spelling
        "ProductCode": "XDT",
        "ProductEdition": "PLT",
        "ProductVersion": CLOUD_PRODUCT_VERSION,
        "PrimaryZone": dict(site.zone),
        "ColorDepth": "TwentyFourBit",
        "DefaultDesktopIconId": "1",
        "EnabledFeatures": [],
        "SiteServices": [{"ServiceName": "Broker", "ServiceType": "Broker", "Capabilities": []}],
        "SiteConfigurationComplete": True,
        "LicenseServerName": None,
        "LicenseServerPort": None,
        "LicenseServerUri": None,
    })


def error_data(message, error_type="InvalidArgument", sdk_error_id=None):
    """The CVAD ``ErrorData`` body of a 4xx answer."""
    return {"ErrorMessage": message, "SdkErrorId": sdk_error_id or error_type, "ErrorType": error_type,
            "ErrorDetails": None, "SupportLink": None, "ErrorReportXml": None, "ErrorReport": None}


def gateway_error(kind, detail, parameters=None):
    """The Citrix Cloud gateway ``ErrorResponse`` body."""
    return {"type": "https://errors-api.cloud.com/common/%s" % kind, "detail": detail, "parameters": parameters or []}


def select_fields(body, wanted):
    """Keep only the top-level properties whose lower-case names are in ``wanted`` (the ``fields`` parameter)."""
    return {key: value for key, value in body.items() if key.lower() in wanted}
