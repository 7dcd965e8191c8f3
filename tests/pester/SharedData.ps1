# Where the original system's real data is (../shared/data beside the repository, or $env:KG_SHARED_DATA).
# Dot-sourced in BeforeDiscovery too, because -Skip conditions are evaluated when tests are discovered:
# tests that need the data are skipped, and say so, when it is missing.
$script:SharedData = if ($env:KG_SHARED_DATA) { $env:KG_SHARED_DATA } else { Join-Path $PSScriptRoot '../../../shared/data' }
$script:HasSharedData = Test-Path (Join-Path $script:SharedData 'concepts/Q787.json')
# Whether build.ps1 Test started the S3 test server; the S3 variants of the tests skip (and say so) when it did not.
$script:HasS3 = [bool]$env:KG_TEST_S3_ENDPOINT
$script:StoreKinds = @(@{ Kind = 'Local'; Available = $true }, @{ Kind = 'S3'; Available = $script:HasS3 })
# The registries the lifecycle suite runs against: the store's own (embedded and S3), and W&B (the tests' stand-in, in
# the test process, whose uploads go to the S3 test server; build.ps1 Test builds it and sets $env:KG_TEST_WANDB_STANDIN).
$script:HasWandBStandIn = $script:HasS3 -and [bool]$env:KG_TEST_WANDB_STANDIN -and (Test-Path ([string]$env:KG_TEST_WANDB_STANDIN))
$script:RegistryKinds = $script:StoreKinds + @(@{ Kind = 'WandB'; Available = $script:HasWandBStandIn })
