# Where the original system's real data is (../shared/data beside the repository, or $env:KG_SHARED_DATA).
# Dot-sourced in BeforeDiscovery too, because -Skip conditions are evaluated when tests are discovered:
# tests that need the data are skipped, and say so, when it is missing.
$script:SharedData = if ($env:KG_SHARED_DATA) { $env:KG_SHARED_DATA } else { Join-Path $PSScriptRoot '../../../shared/data' }
$script:HasSharedData = Test-Path (Join-Path $script:SharedData 'concepts/Q787.json')
# Whether build.ps1 Test started the S3 test server; the S3 variants of the tests skip (and say so) when it did not.
$script:HasS3 = [bool]$env:KG_TEST_S3_ENDPOINT
$script:StoreKinds = @(@{ Kind = 'Local'; Available = $true }, @{ Kind = 'S3'; Available = $script:HasS3 })
