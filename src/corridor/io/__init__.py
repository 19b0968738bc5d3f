"""Writers of results: flows as CSV or Parquet, GeoJSON, one atomic file writer."""
