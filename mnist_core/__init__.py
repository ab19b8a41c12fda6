"""mnist_core: data, models, training, evaluation, preprocessing, prediction and persistence
for the MNIST playground. Never imports streamlit; TensorFlow is imported lazily.
"""
