"""Helpers the pages share; Streamlit does not treat this subfolder of pages/ as pages.

- `registry`: the pages (path, title, icon), for navigation, the home cards and links.
- `state`: every session-state key, named once, and `init_state()`.
- `resources`: the process-wide data and default models, and the loading note.
- `models`: this session's models, the model pickers and the models table.
- `run`: the training run's life cycle and its note in the sidebar.
- `run_view`, `model_files`, `train_form`, `form_values`: the Train page's parts.
- `charts`, `images`, `text`: Altair charts, enlarged digits, plain text for user input.
"""
