"""`make bench` (`python -m localcloud.bench`): ours vs the original design.

`cli` runs everything and prints the table; `orchestration` (runs in virtual time, against
the original topology of `baseline`), `check_data` (S3 calls), `speed` (wall times, imports,
package size) and `cost` (AWS prices) measure; `report` turns measurements into rows and
`results` holds the row format and its JSON.
"""
