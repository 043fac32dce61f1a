"""The Streamlit dashboard (run with `ocean-assets dashboard`)."""
